// `npm run build`: the CLI bundle `npm start` runs, in packages/server/dist/ (see bundle-cli.mjs).
import { bundleCli } from './bundle-cli.mjs';

await bundleCli(new URL('../packages/server/dist', import.meta.url).pathname);
