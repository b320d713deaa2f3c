// `npm run build`: the CLI bundle `npm start` runs, in packages/server/dist/ (see bundle-cli.mjs), and
// the web console it serves (build-console.mjs).
import { bundleServer } from './bundle-cli.mjs';
import { buildConsole } from './build-console.mjs';

await bundleServer(new URL('../packages/server/dist', import.meta.url).pathname);
await buildConsole();
