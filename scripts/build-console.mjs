// Builds the web console (packages/server/console: Preact, bundled and minified with esbuild) into
// packages/server/console/dist: index.html and assets/. pcapi serves that folder under
// /_pcapi/console/; nothing is fetched from elsewhere at run time. Called by `npm run build` (and so
// `npm start`), `npm run build:packages` and `npm test`; a fraction of a second.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const consoleDir = new URL('../packages/server/console/', import.meta.url).pathname;

export async function buildConsole() {
  const dist = `${consoleDir}dist`;
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(`${dist}/assets`, { recursive: true });
  await build({
    entryPoints: [`${consoleDir}src/main.tsx`],
    outfile: `${dist}/assets/console.js`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(`${consoleDir}src/console.css`, `${dist}/assets/console.css`);
  copyFileSync(`${consoleDir}index.html`, `${dist}/index.html`);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildConsole();
