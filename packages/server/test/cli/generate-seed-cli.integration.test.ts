/**
 * `pcapi generate-seed` tells a newcomer what to do next, and what it prints is true: the file is
 * imported with the printed command, a real `pcapi serve` serves it, tokens come from the printed
 * `npx pcapi token` line (no --tenant, no --public-url), and each printed customer gives the answer
 * printed next to it, as the app and as the user. Without --out the seed is stdout and the guide stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { runPcapi } from '../helpers/run-cli.js';
import { serve } from './serve-child.js';

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** What each kind's 403 says in `data` (authorize.ts's words). */
const DENIALS: Record<string, RegExp> = {
  'DAP only': /failed: partner "?Partner 0"? holds only DAP .*DAP is not supported for this operation/,
  expired: /failed: relationship "Customer \d+ access" \([^)]+\) expired on \d{4}-/,
  'wrong roles': /failed: (application|user) .* is in group "GDAP Helpdesk", assigned Helpdesk Administrator on relationship .*: none of Global Administrator, Directory Writers, Global Reader/,
};

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-generate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Printed { kind: string; id: string; name: string; status: number; answer: string }

function parseGuide(text: string) {
  const customers: Printed[] = [...text.matchAll(new RegExp(`^  (allowed|DAP only|expired|wrong roles) +(${GUID})  (Customer \\d+) +(200|403): (.+)$`, 'gm'))]
    .map(([, kind, id, name, status, answer]) => ({ kind: kind!, id: id!, name: name!, status: Number(status), answer: answer! }));
  const app = new RegExp(`^  app   client id (${GUID})  secret (\\S+)`, 'm').exec(text);
  const user = /^ {2}user {2}(\S+@\S+) {2}password (\S+)/m.exec(text);
  const tokenLine = new RegExp(`^  T=\\$\\(npx pcapi token --app (${GUID})\\)$`, 'm').exec(text);
  const curl = new RegExp(`^  curl -i -H "Authorization: Bearer \\$T" http://127\\.0\\.0\\.1:8080/v1/customers/(${GUID})/organization$`, 'm').exec(text);
  const seedLine = /^ {2}npx pcapi seed (\S+) /m.exec(text);
  return { customers, app: app?.[1], secret: app?.[2], user: user?.[1], password: user?.[2], tokenApp: tokenLine?.[1], curlCustomer: curl?.[1], seedFile: seedLine?.[1] };
}

test('generate-seed --out: the guide names real principals and a customer of each kind, and each gives the printed answer on a real server', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'small.seed.jsonl');
  const data = join(dir, 'data');
  const generated = await runPcapi(['generate-seed', '--out', file, '--customers', '300', '--partners', '4', '--users-per-partner', '2']);
  assert.equal(generated.code, 0, generated.stderr);
  assert.equal(generated.stderr, '');
  assert.match(generated.stdout, new RegExp(`^wrote 300 customers of 4 partners to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in \\d+\\.\\d s\\n\\nNext:\\n`));
  const guide = parseGuide(generated.stdout);
  assert.deepEqual(guide.customers.map((c) => c.kind), ['allowed', 'DAP only', 'expired', 'wrong roles'], generated.stdout);
  assert.deepEqual(guide.customers.map((c) => c.status), [200, 403, 403, 403]);
  assert.equal(guide.seedFile, file);
  assert.equal(guide.tokenApp, guide.app);
  assert.equal(guide.curlCustomer, guide.customers[0]!.id, 'the curl line asks for the allowed customer');
  assert.deepEqual([guide.secret, guide.user, guide.password], ['pcapi-demo', 'agent0@partner0.example', 'pcapi-demo']);

  // The printed ids are the file's.
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { partner?: { applications?: { clientId: string }[] }; customer?: { tenantId: string; displayName: string } });
  assert.ok(lines.some((line) => line.partner?.applications?.some((app) => app.clientId === guide.app)));
  for (const printed of guide.customers) assert.ok(lines.some((line) => line.customer?.tenantId === printed.id && line.customer.displayName === printed.name), printed.name);

  // The printed next steps: pcapi seed, pcapi serve, npx pcapi token --app (with the store's folder).
  const imported = await runPcapi(['seed', file, '--data-dir', data]);
  assert.equal(imported.code, 0, imported.stderr);
  const url = await serve(t, ['--data-dir', data]);
  const appToken = await runPcapi(['token', '--app', guide.tokenApp!, '--data-dir', data]);
  assert.equal(appToken.code, 0, appToken.stderr);
  const userToken = await runPcapi(['token', '--user', guide.user!, '--data-dir', data]);
  assert.equal(userToken.code, 0, userToken.stderr);

  const answers: string[] = [];
  for (const [who, token] of [['app', appToken.stdout.trim()], ['user', userToken.stdout.trim()]] as const) {
    for (const printed of guide.customers) {
      const response = await fetch(`${url}/v1/customers/${printed.id}/organization`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.json() as { code?: number; data?: string[] } | { displayName: string }[];
      assert.equal(response.status, printed.status, `${who}, ${printed.kind}: ${JSON.stringify(body)}`);
      if (printed.status === 200) assert.equal((body as { displayName: string }[])[0]!.displayName, printed.name);
      else assert.match(((body as { data: string[] }).data).join('\n'), DENIALS[printed.kind]!, `${who}, ${printed.kind}`);
      answers.push(`${who} ${printed.kind}: ${response.status}`);
    }
  }
  assert.equal(answers.length, 8);

  // The password grant with the printed credentials gives a token too (the user can sign in).
  const signedIn = await fetch(`${url}/partner0.example/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: guide.app!, client_secret: guide.secret!, scope: 'https://api.partnercenter.microsoft.com/.default' }),
  });
  assert.equal(signedIn.status, 200, await signedIn.clone().text());
});

test('generate-seed without --out: the seed on stdout (every line a seed line), the guide on stderr', async () => {
  const run = await runPcapi(['generate-seed', '--customers', '20', '--partners', '2', '--users-per-partner', '1']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 22);
  for (const line of lines) assert.ok('partner' in JSON.parse(line) || 'customer' in JSON.parse(line), line);
  assert.match(run.stderr, /^wrote 20 customers of 2 partners to stdout in /);
  assert.match(run.stderr, /npx pcapi seed <file>\.jsonl /);
  const guide = parseGuide(run.stderr);
  // 20 customers of 2 partners: partner 0 has 10, all among the first 150, so no allowed one; the guide says what would give one.
  assert.deepEqual(guide.customers.map((c) => c.kind), ['DAP only', 'expired', 'wrong roles']);
  assert.match(run.stderr, /^ {2}allowed +none for this partner in this file: give --customers 151 or more$/m);
});

test('generate-seed warns when --out is not a .jsonl name', async (t) => {
  const run = await runPcapi(['generate-seed', '--out', join(tempDir(t), 'big.json'), '--customers', '1']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /pcapi: warning: .*big\.json does not end in \.jsonl or \.ndjson, so pcapi seed would read it as one JSON document: rename it/);
});

test('an interrupted generate-seed --out leaves the earlier file as it was and no partial file', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'big.seed.jsonl');
  writeFileSync(out, 'the earlier file\n');
  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'generate-seed', '--customers', '5000000', '--out', out], { stdio: 'ignore' });
  // Interrupted once the new file is being written.
  for (let waited = 0; waited < 200 && !readdirSync(dir).some((name) => name.endsWith('.tmp')); waited++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(readdirSync(dir).some((name) => name.endsWith('.tmp')), 'the new file was being written beside');
  child.kill('SIGINT');
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGINT');
  assert.equal(readFileSync(out, 'utf8'), 'the earlier file\n');
  assert.deepEqual(readdirSync(dir), ['big.seed.jsonl']);
});
