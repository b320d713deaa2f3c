// Bundles the pcapi CLI (server, contracts, client) into one ESM entry with esbuild. Third-party
// packages stay external (loaded from node_modules, so the output must live inside the repository);
// dynamic imports become chunks loaded only when used. Used by `npm run build` and by tests, which
// spawn the bundle instead of tsx (0.3 s per start instead of 0.7 s).
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const serverPackage = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8'));
const external = Object.keys(serverPackage.dependencies).filter((name) => !name.startsWith('@pcapi/'));

/** Writes `pcapi.mjs` (and its chunks) into `outdir`, a folder under packages/server. */
export async function bundleCli(outdir) {
  await bundle(outdir, { pcapi: new URL('../packages/server/src/cli/main.ts', import.meta.url).pathname });
}

/** The server package's dist/: the CLI (`pcapi.mjs`) and the library (`index.mjs`: startPcapi, ...), sharing chunks. */
export async function bundleServer(outdir) {
  await bundle(outdir, {
    pcapi: new URL('../packages/server/src/cli/main.ts', import.meta.url).pathname,
    index: new URL('../packages/server/src/index.ts', import.meta.url).pathname,
  });
}

/**
 * The npm packages (and Node built-ins) the CLI loads whatever the command: those its entry chunk
 * imports statically. Everything else comes in through a command's dynamic import, only when it runs.
 */
export async function cliStartupImports() {
  const { metafile } = await build({ ...options('/tmp/pcapi-cli-metafile', { pcapi: new URL('../packages/server/src/cli/main.ts', import.meta.url).pathname }), write: false, metafile: true, sourcemap: false });
  const outputs = metafile.outputs;
  const loaded = new Set();
  const packages = new Set();
  const visit = (chunk) => {
    if (loaded.has(chunk)) return;
    loaded.add(chunk);
    for (const imported of outputs[chunk].imports) {
      if (imported.kind === 'dynamic-import') continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(Object.keys(outputs).find((chunk) => outputs[chunk].entryPoint));
  return [...packages].sort();
}

function options(outdir, entryPoints) {
  return {
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    outExtension: { '.js': '.mjs' },
    sourcemap: true,
    logLevel: 'warning',
  };
}

async function bundle(outdir, entryPoints) {
  // Chunk names carry content hashes: start clean so old chunks do not pile up.
  rmSync(outdir, { recursive: true, force: true });
  await build(options(outdir, entryPoints));
}
