#!/usr/bin/env node
// In the repository: the TypeScript CLI through tsx (no build step). Installed from npm: the bundle.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/pcapi.mjs', import.meta.url).href);
}
