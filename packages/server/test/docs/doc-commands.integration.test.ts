/**
 * The shell blocks of README.md and docs/demo.md, pasted into bash as a newcomer would: against a
 * pcapi started as `npm start` starts it (the bundled CLI, `serve --emulator`, the demo data loaded
 * into an empty store), each block run whole by `bash -e -o pipefail` in the repository root, its
 * output checked against what the text around it promises.
 *
 * The blocks name no port of their own: they talk to `${PCAPI_URL:-http://127.0.0.1:8080}`, so the
 * test gives them PCAPI_URL (the server listens on a free port, never assumed to be 8080), and
 * PCAPI_DATA_DIR for the CLI commands that open the store, as the docs tell a user whose pcapi has
 * another data folder (the issuer of `pcapi token` is the URL the server recorded in that store).
 *
 * A block that is not meant to be pasted (placeholders, or `npm install && npm start` itself) says so
 * with `no-run` in its info string (```sh no-run) and is listed in NOT_RUN with the reason; every other
 * shell block must have an entry in EXPECTED. A new block of either kind fails this test until it is
 * listed, so nothing is skipped silently. PowerShell blocks (docs/powershell.md) are counted, and run
 * the same way when `pwsh` is installed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { cleanEnv, REPO_ROOT, runProgram, type CliRun } from '../helpers/run-cli.js';
import { fencedBlocks, type FencedBlock } from './markdown.js';

const SHELL_FILES = ['README.md', 'docs/demo.md'];
const POWERSHELL_FILES = ['docs/powershell.md'];
const SHELL = new Set(['sh', 'bash', 'shell']);
const POWERSHELL = new Set(['powershell', 'pwsh', 'ps1']);

interface DocBlock extends FencedBlock {
  file: string;
  /** `file: first line of the block`: how the lists below name a block. */
  key: string;
}

function blocksOf(file: string, languages: Set<string>): DocBlock[] {
  return fencedBlocks(readFileSync(join(REPO_ROOT, file), 'utf8'))
    .filter((block) => languages.has(block.language))
    .map((block) => ({ ...block, file, key: `${file}: ${block.code.split('\n')[0]!.trim()}` }));
}

/** Blocks marked `no-run`, and why none of them is pasted here. */
const NOT_RUN: Record<string, string> = {
  'README.md: npm install && npm start     # serves the demo on http://127.0.0.1:8080 (emulator endpoints on), SQLite at ./data/pcapi.db':
    'installs, then starts the server this test starts the same way (the bundled CLI, serve --emulator); npm test would run this test again',
  'README.md: npx pcapi serve [options]                  # what npm start runs; see docs/configuration.md':
    'a list of commands with placeholders in brackets (my-data.json, ID, S); each command has its own tests under packages/server/test/cli',
};

/** One answer printed by the docs' `show`/`org` helpers: `HTTP <status>`, then an indented JSON body. */
interface Answer {
  status: number;
  body: unknown;
  text: string;
}
function answers(stdout: string): Answer[] {
  const parts = stdout.split(/^HTTP (\d{3})\n/m);
  const found: Answer[] = [];
  for (let index = 1; index < parts.length; index += 2) {
    // The body is the JSON up to the first line that is not part of it (a closing bracket at column 0 ends it).
    const rest = parts[index + 1]!;
    const end = rest.search(/^[\]}]\n/m);
    const text = rest.slice(0, end + 2);
    found.push({ status: Number(parts[index]), body: JSON.parse(text), text });
  }
  return found;
}

interface PartnerCenterError {
  code: number;
  description: string;
  data: string[];
  source: string;
}
const asError = (answer: Answer) => answer.body as PartnerCenterError;
const CONTOSO = JSON.parse(CONTOSO_BODY) as unknown;

/** Each shown line of the docs' sample output as a pattern: `...` stands for anything, times for any time. */
function assertShownOutput(shown: string, printed: string): void {
  const shownLines = shown.trimEnd().split('\n');
  const printedLines = printed.trimEnd().split('\n');
  assert.equal(printedLines.length, shownLines.length, `the docs show ${shownLines.length} lines, the command printed ${printedLines.length}:\n${printed}`);
  shownLines.forEach((line, index) => {
    const pattern = line
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\\\.\\\.\\\./g, '.*')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\\\.\d{3}Z/g, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z');
    assert.match(printedLines[index]!, new RegExp(`^${pattern}$`), `line ${index + 1} of the shown output`);
  });
}

let serverUrl = '';
let dataDir = '';
let server: ChildProcess | undefined;
let openapiPaths = 0;

/** What each runnable block must print. */
const EXPECTED: Record<string, (run: CliRun) => void> = {
  'README.md: PC=${PCAPI_URL:-http://127.0.0.1:8080}   # where npm start serves': (run) => {
    const out = run.stdout;
    // 2. curl -i: the status line, the correlation id echoed, the source document's body on a line of its own.
    assert.match(out, /^HTTP\/1\.1 200 OK\r?$/m);
    assert.match(out, /^ms-correlationid: a176c585-b5de-4d65-824c-67a6deb45cd9\r?$/im);
    assert.match(out, /^ms-requestid: [0-9a-f-]{36}\r?$/im);
    assert.ok(out.includes(`\n${CONTOSO_BODY}\n`), 'the body, followed by a newline');
    // 3. HTTP 403 and the body the README shows.
    const [denial, ...others] = answers(out);
    assert.equal(others.length, 0);
    assert.equal(denial?.status, 403);
    assert.equal(asError(denial!).code, 900308);
    assert.deepEqual(asError(denial!).data.map((line) => line.split(':')[0]), ['passed', 'passed', 'failed']);
    assert.match(asError(denial!).data[2]!, /^failed: relationship "Tailspin admins" \([0-9a-f-]{36}\) expired on \d{4}-/);
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const shown = fencedBlocks(readme).find((block) => block.language === 'text' && block.code.startsWith('HTTP 403'));
    assert.ok(shown, 'README shows the 403 in a text block');
    assertShownOutput(shown.code, `HTTP 403\n${denial!.text}`);
    // 4. The number of paths of the OpenAPI document.
    assert.match(out, new RegExp(`^${openapiPaths} paths$`, 'm'));
    // 5. pcapi audit: the three calls, the denial with its reason.
    assert.match(out, /^\d+ +\S+ +403 +denied +GET organization +Fabrikam Automation +b0abd4ba-7eb9-48ee-96ec-7a88abdc3a82 /m);
    assert.match(out, /^ +gdapAccessInsufficient: failed: relationship "Tailspin admins"/m);
    assert.match(out, /^\d+ +\S+ +200 +allowed +GET organization +Fabrikam Automation +13bba13f-49f8-49aa-8a22-1fe70d695fcb /m);
    assert.match(out, /^\d+ +\S+ +200 +allowed +token client_credentials +Fabrikam Automation /m);
  },
  'docs/demo.md: PC=${PCAPI_URL:-http://127.0.0.1:8080}   # where npm start serves': (run) => {
    const found = answers(run.stdout);
    assert.deepEqual(found.map((answer) => answer.status), [200, 403, 403, 403, 403, 404, 404, 401, 401]);
    const [contoso, northwind, tailspin, woodgrove, relecloud, litware, unknown, noMfa, expired] = found as [Answer, ...Answer[]];
    assert.deepEqual(contoso.body, CONTOSO);
    // The four 403s of the demo table, each for its own reason.
    assert.match(asError(northwind!).data.at(-1)!, /holds only DAP/);
    assert.match(asError(tailspin!).data.at(-1)!, /^failed: relationship "Tailspin admins" .* expired on /);
    assert.match(asError(woodgrove!).data.at(-1)!, /none of Global Administrator, Directory Writers, Global Reader$/);
    assert.match(asError(relecloud!).data.at(-1)!, /is approvalPending, not active$/);
    // Litware (Adatum's customer) answers exactly as a customer that does not exist, ids aside.
    assert.equal(asError(litware!).code, 60003);
    assert.equal(asError(litware!).description, asError(unknown!).description);
    assert.equal(asError(litware!).data.at(-1), `failed: customer ${DEMO.litware} is not a customer of partner Fabrikam`);
    // 401: no MFA, then the CLI's expired token.
    assert.match(asError(noMfa!).data.at(-1)!, /without multi-factor authentication/);
    assert.match(asError(expired!).data.join('\n'), /expired/);
  },
};

async function startServer(): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'pcapi-doc-commands-'));
  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'serve', '--emulator'], {
    cwd: REPO_ROOT,
    env: cleanEnv({ PCAPI_PORT: '0', PCAPI_DATA_DIR: dataDir, PCAPI_LOG_LEVEL: 'info' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  serverUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pcapi serve did not start in 20 s: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`pcapi serve exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'pcapi is serving' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  const openapi = (await (await fetch(`${serverUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  openapiPaths = Object.keys(openapi.paths).length;
}

before(startServer);
after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** The environment a block runs in: the started server's URL and store, and nothing else of PCAPI_*. */
const blockEnv = () => ({ PCAPI_URL: serverUrl, PCAPI_DATA_DIR: dataDir });

const shellBlocks = SHELL_FILES.flatMap((file) => blocksOf(file, SHELL));
const runnable = shellBlocks.filter((block) => !block.flags.includes('no-run'));
const notRun = shellBlocks.filter((block) => block.flags.includes('no-run'));

test('every shell block of README.md and docs/demo.md is either run and checked here, or marked no-run with a reason', (t) => {
  for (const block of runnable) assert.ok(EXPECTED[block.key], `${block.file}:${block.line}: no expectation for the block "${block.key}"; add one to EXPECTED, or mark it \`sh no-run\` and list it in NOT_RUN`);
  for (const block of notRun) assert.ok(NOT_RUN[block.key], `${block.file}:${block.line}: the no-run block "${block.key}" has no reason in NOT_RUN`);
  assert.deepEqual(Object.keys(EXPECTED).sort(), runnable.map((block) => block.key).sort(), 'EXPECTED names only blocks that exist');
  assert.deepEqual(Object.keys(NOT_RUN).sort(), notRun.map((block) => block.key).sort(), 'NOT_RUN names only blocks that exist');
  for (const block of notRun) t.diagnostic(`not run: ${block.file}:${block.line}: ${NOT_RUN[block.key]}`);
  t.diagnostic(`${shellBlocks.length} shell blocks: ${runnable.length} run, ${notRun.length} marked no-run`);
  assert.equal(runnable.length, 2);
  assert.equal(notRun.length, 2);
});

for (const block of runnable) {
  test(`${block.file}:${block.line} pasted into bash prints what the docs say`, async () => {
    const run = await runProgram('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', block.code], { env: blockEnv(), timeoutMs: 40_000 });
    assert.equal(run.code, 0, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    // npm's banner ("> pcapi@0.1.0 pcapi") never ends up in what a block prints or captures.
    assert.doesNotMatch(run.stdout, /^> /m);
    EXPECTED[block.key]!(run);
  });
}

const powershellBlocks = POWERSHELL_FILES.flatMap((file) => blocksOf(file, POWERSHELL));
const pwsh = spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', '$PSVersionTable.PSVersion.ToString()'], { encoding: 'utf8' });
const hasPwsh = pwsh.status === 0;

test('docs/powershell.md has the tour, the demo tour and the token examples', (t) => {
  t.diagnostic(`${powershellBlocks.length} PowerShell blocks; ${hasPwsh ? `run with pwsh ${pwsh.stdout.trim()}` : 'not run: pwsh is not installed on this machine'}`);
  assert.equal(powershellBlocks.length, 3);
  assert.equal(powershellBlocks.filter((block) => block.flags.includes('no-run')).length, 0);
});

for (const block of powershellBlocks) {
  test(`${block.file}:${block.line} in pwsh prints HTTP statuses and JSON bodies`, { skip: hasPwsh ? false : 'pwsh is not installed on this machine (docs/powershell.md says why)' }, async () => {
    const run = await runProgram('pwsh', ['-NoProfile', '-NonInteractive', '-Command', `$ErrorActionPreference = 'Stop'\n${block.code}`], { env: blockEnv(), timeoutMs: 40_000 });
    assert.equal(run.code, 0, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
    assert.match(run.stdout, /^HTTP \d{3}$/m);
  });
}
