/** The `pcapi serve` commander options built from the settings table: flags, variables and defaults, parsed in this process. */
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { describe, test } from 'node:test';
import { ConfigError, resolveServeConfig, type RawServeOptions } from '../../src/config.js';
import { addServeOptions, addStoreOptions } from '../../src/cli/serve-options.js';

const CWD = '/srv/pcapi';

/** The options a `serve` command's action receives for these arguments, with only these PCAPI_* variables set. */
async function parseServe(args: string[], env: Record<string, string> = {}, add = addServeOptions): Promise<RawServeOptions> {
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (name.startsWith('PCAPI_')) delete process.env[name];
  Object.assign(process.env, env);
  try {
    let received: RawServeOptions | undefined;
    const command = add(new Command('serve')).exitOverride().action((options: RawServeOptions) => {
      received = options;
    });
    await command.parseAsync(args, { from: 'user' });
    assert.ok(received, 'the action did not run');
    return received;
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
}

const configOf = async (args: string[], env: Record<string, string> = {}) => resolveServeConfig(await parseServe(args, env), CWD);

describe('pcapi serve options', () => {
  test('a flag wins over its variable, and the variable over the default', async () => {
    const options = await parseServe(['--port', '1'], { PCAPI_PORT: '2', PCAPI_HOST: '0.0.0.0' });
    assert.equal(options.port, '1');
    assert.equal(options.host, '0.0.0.0');
    assert.equal(options.logLevel, 'info');
  });

  test('the defaults commander hands over resolve as no options at all', async () => {
    assert.deepEqual(await configOf([]), resolveServeConfig({}, CWD));
  });

  test('the store options alone carry their variables and defaults', async () => {
    const options = await parseServe([], { PCAPI_DATABASE: 'postgres://pcapi@db:5432/pcapi' }, addStoreOptions);
    assert.deepEqual(options, { dataDir: 'data', database: 'postgres://pcapi@db:5432/pcapi' });
  });

  test('a switch\'s variable is read as true or false, and the flag wins over it', async () => {
    assert.equal((await configOf([], { PCAPI_METRICS: 'false' })).metrics, false);
    assert.equal((await configOf([], { PCAPI_METRICS: 'on' })).metrics, true);
    assert.equal((await configOf(['--metrics'], { PCAPI_METRICS: 'false' })).metrics, true);
    assert.equal((await configOf([], { PCAPI_LOG_REQUESTS: '0' })).logRequests, false);
    assert.equal((await configOf([], { PCAPI_LOG_REQUESTS: 'yes' })).logRequests, true);
    assert.equal((await configOf([], { PCAPI_EMULATOR: 'false' })).emulator, false);
    assert.equal((await configOf(['--emulator'])).emulator, true);
  });

  test('--no-demo, and PCAPI_DEMO read as true or false', async () => {
    assert.equal((await configOf([])).demo, true);
    assert.equal((await configOf(['--no-demo'])).demo, false);
    assert.equal((await configOf([], { PCAPI_DEMO: 'false' })).demo, false);
    assert.equal((await configOf([], { PCAPI_DEMO: 'true' })).demo, true);
    assert.equal((await configOf(['--no-demo'], { PCAPI_DEMO: 'true' })).demo, false);
  });

  test('a switch\'s variable that is not true or false is a problem naming the flag and the variable', async () => {
    await assert.rejects(configOf([], { PCAPI_EMULATOR: 'maybe' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems, ['--emulator (PCAPI_EMULATOR): "maybe" is not true or false']);
      return true;
    });
  });
});
