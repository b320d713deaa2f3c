// `npm run pack:packages [-- <folder>]`: the three packages as npm would ship them, built and packed
// into <folder> (default: packages-dist/), for a project to install from the tarballs:
//   npm install --save-dev <folder>/pcapi-contracts-*.tgz <folder>/pcapi-client-*.tgz <folder>/pcapi-server-*.tgz
// The packaging test installs them the same way (packed-packages.integration.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const folder = resolve(process.argv[2] ?? join(root, 'packages-dist'));
execFileSync(process.execPath, [join(root, 'scripts/build-packages.mjs')], { cwd: root, stdio: 'inherit' });
mkdirSync(folder, { recursive: true });
// Earlier tarballs go first, so the folder holds this build's only.
for (const name of readdirSync(folder)) if (/^pcapi-(contracts|client|server)-.*\.tgz$/.test(name)) rmSync(join(folder, name));
// npm_config_* from an enclosing `npm run` would apply the workspace's settings to the pack.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
execFileSync('npm', ['pack', '--silent', '--pack-destination', folder, '-w', 'packages/contracts', '-w', 'packages/client', '-w', 'packages/server'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
const tarballs = readdirSync(folder).filter((name) => name.endsWith('.tgz')).map((name) => join(folder, name)).sort();
process.stdout.write(`packed into ${relative(process.cwd(), folder) || '.'}:\n${tarballs.map((t) => `  ${t}`).join('\n')}\n\nin your project:\n  npm install --save-dev ${tarballs.join(' ')}\n`);
