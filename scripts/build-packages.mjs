// `npm run build:packages`: every package as npm ships it. @pcapi/contracts and @pcapi/client:
// ESM JavaScript, declarations and source maps (tsc). @pcapi/server: the library (startPcapi, ...)
// and the CLI bundled with esbuild (contracts and client inside, npm dependencies outside), and
// its declarations. In order: each package's declarations read the previous ones' from dist/.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleServer } from './bundle-cli.mjs';
import { buildConsole } from './build-console.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = (project) => execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', project], { cwd: root, stdio: 'inherit' });

for (const name of ['contracts', 'client']) {
  rmSync(`${root}packages/${name}/dist`, { recursive: true, force: true });
  tsc(`packages/${name}/tsconfig.build.json`);
}
await bundleServer(`${root}packages/server/dist`);
await buildConsole();
tsc('packages/server/tsconfig.build.json');
process.stdout.write('built packages/{contracts,client,server}/dist\n');
