/**
 * The client uses no Node-only API (globalThis.crypto, fetch, AbortSignal): it bundles for the
 * browser platform with esbuild, where a `node:` import would fail the build. The bundle's size is
 * budgeted (the packed size is checked with the packaging test).
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Minified and gzipped budgets for the whole client with @pcapi/contracts (13.9 KB and 5.0 KB when set). */
const BUDGET = { minifiedBytes: 24 * 1024, gzippedBytes: 8 * 1024 };

test('the client bundles for the browser, within its size budget', async (t) => {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
    bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, write: false, logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const text = Buffer.from(code).toString('utf8');
  assert.doesNotMatch(text, /from\s*["']node:|require\(["']node:/, 'no Node built-in module is imported');
  const gzipped = gzipSync(code).length;
  t.diagnostic(`browser bundle: ${code.length} bytes minified, ${gzipped} gzipped`);
  assert.ok(code.length <= BUDGET.minifiedBytes, `${code.length} bytes minified, budget ${BUDGET.minifiedBytes}`);
  assert.ok(gzipped <= BUDGET.gzippedBytes, `${gzipped} bytes gzipped, budget ${BUDGET.gzippedBytes}`);
});
