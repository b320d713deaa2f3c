/**
 * What every `pcapi` command pays to start: only the packages its entry loads statically. The server
 * (Fastify, prom-client, pino) and the seed validator (Ajv) load when `serve`, `seed` or
 * `generate-seed` runs; loaded at every start, they made `pcapi token` take 1.4 s instead of 0.3 s
 * on a busy machine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cliStartupImports } from '../../../../scripts/bundle-cli.mjs';

test('the CLI loads the server and the seed validator only for the commands that use them', async () => {
  const packages = (await cliStartupImports()).filter((name) => !name.startsWith('node:'));
  for (const heavy of ['fastify', 'prom-client', 'pino', 'pino-pretty', 'ajv', '@fastify/static']) {
    assert.ok(!packages.includes(heavy), `${heavy} is loaded by every command: ${packages.join(', ')}`);
  }
  // Not vacuous: the entry's own needs are seen.
  assert.ok(packages.includes('commander'), packages.join(', '));
});
