/**
 * `pcapi serve --help`, as the bundled CLI prints it, lists every setting of the table with its
 * variable; `pcapi --version` prints the package's version.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { serveSettings } from '../../src/serve-settings.js';
import { runPcapi } from '../helpers/run-cli.js';

describe('pcapi serve --help', () => {
  test('lists every flag of the settings table, with its environment variable and default', async () => {
    const run = await pcapi(['serve', '--help']);
    assert.equal(run.code, 0, run.stderr);
    // Commander wraps long descriptions; flags, variable names and defaults are single words.
    const words = new Set(run.stdout.split(/[\s(),]+/));
    const missing = serveSettings().flatMap(([, setting]) => {
      const flag = setting.flags.split(' ')[0]!;
      const shown = run.stdout.includes(`  ${setting.flags}  `) || run.stdout.includes(`  ${setting.flags}\n`);
      return [
        ...(shown ? [] : [setting.flags]),
        ...(words.has(setting.env) ? [] : [`${flag}: ${setting.env}`]),
      ];
    });
    assert.deepEqual(missing, [], run.stdout);
    assert.match(run.stdout, /--port <port>\s+port to listen on \(0 picks a free one\) \(default:\s+"8080", env: PCAPI_PORT\)/);
  });
});

describe('pcapi --version', () => {
  test('prints @pcapi/server\'s version and exits 0 (-V too); the top-level help lists it', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await pcapi([flag]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${version}\n`);
    }
    assert.match((await pcapi(['--help'])).stdout, /-V, --version\s+print pcapi's version/);
  });
});

const pcapi = (args: string[]) => runPcapi(args);
