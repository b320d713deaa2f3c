/**
 * Files shipped with the server package (JSON Schema, demo seed, SQL migrations), found from the
 * package root, so they resolve the same from src/ (run through tsx) and from the dist/ bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('pcapi: cannot find the @pcapi/server package root');
    dir = parent;
  }
  return dir;
}

const ROOT = packageRoot();

/** @pcapi/server's version, from its package.json (`pcapi --version`, the OpenAPI document's `info.version`). */
export function serverVersion(): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}

export const SEED_SCHEMA_FILE = join(ROOT, 'schemas', 'seed.schema.json');
export const DEMO_SEED_FILE = join(ROOT, 'seeds', 'demo.seed.json');
export const migrationsFolder = (dialect: 'sqlite' | 'postgres') => join(ROOT, 'src', 'store', 'migrations', dialect);
/** The built web console (scripts/build-console.mjs): index.html and assets/. */
export const CONSOLE_DIST = join(ROOT, 'console', 'dist');
