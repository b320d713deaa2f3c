/** `npm start` runs the esbuild bundle: build it, start it on the demo, and get the source document's 200. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';

const ROOT = new URL('../../../../', import.meta.url).pathname;
const BUNDLE = join(ROOT, 'packages/server/dist/pcapi.mjs');

test('the bundled CLI serves the demo: token from the issuer, 200 on Contoso, exit 0 on SIGTERM', async (t) => {
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-bundle-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const server = spawn(process.execPath, [BUNDLE, 'serve', '--data-dir', dataDir, '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => server.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)","database"/.exec(output);
      if (match) resolve(match[1]!);
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });

  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default' });
  const token = ((await (await fetch(`${url}/fabrikam.example/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
  const response = await fetch(`${url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), CONTOSO_BODY);

  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  server.kill('SIGTERM');
  assert.equal(await exited, 0);
});
