// Bundles the pcapi CLI (server, contracts, client) into packages/server/dist/ with esbuild, so
// `npm start` runs plain JavaScript: no TypeScript compilation at start-up. Third-party packages stay
// external (loaded from node_modules); dynamic imports become chunks loaded only when used.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const serverPackage = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8'));
const external = Object.keys(serverPackage.dependencies).filter((name) => !name.startsWith('@pcapi/'));

await build({
  entryPoints: { pcapi: 'packages/server/src/cli/main.ts' },
  outdir: 'packages/server/dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
});
