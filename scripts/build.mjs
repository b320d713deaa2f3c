// `npm run build`: the CLI bundle `npm start` runs, in packages/server/dist/ (see bundle-cli.mjs).
import { bundleServer } from './bundle-cli.mjs';

await bundleServer(new URL('../packages/server/dist', import.meta.url).pathname);
