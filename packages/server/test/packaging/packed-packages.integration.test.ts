/**
 * The packages as a user gets them from npm: built, packed, and installed from the tarballs into an
 * empty project outside the repository (no workspace, no tsconfig paths). There: a plain JavaScript
 * script and a type-checked TypeScript script (NodeNext, and Bundler resolution) start pcapi through
 * startPcapi and call it with @pcapi/client; `npx pcapi serve` answers 200; docs/testing.md's
 * recipes (node:test, Vitest, Jest) pass as written. The tarballs hold no tests, fixtures or keys.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { before, after, test } from 'node:test';
import { promisify } from 'node:util';
import { closedPort as freePort } from '../helpers/ports.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

const run = promisify(execFile);
let work: string;
let project: string;
let tarballs: string[];
/** Downloads of the prebuilt better-sqlite3 binary during the install. */
let prebuiltDownloads = 0;

/** A child's environment without the repository's: no NODE_OPTIONS, no npm workspace settings. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name === 'NODE_OPTIONS' || name === 'NODE_TEST_CONTEXT' || name.startsWith('npm_')) continue;
    env[name] = value;
  }
  return env;
}

const inProject = (file: string, args: string[], timeout = 240_000) => run(file, args, { cwd: project, env: userEnv(), timeout, maxBuffer: 16 * 1024 * 1024 });

/**
 * better-sqlite3's prebuilt binary, served the way its releases are (prebuild-install's mirror
 * setting, `npm_config_better_sqlite3_binary_host`): a user's install downloads it from GitHub, which
 * this machine cannot reach, and compiling SQLite instead took 1-3 minutes of this test. The binary
 * is the repository's own, built for this Node.
 */
async function servePrebuiltSqlite(): Promise<{ host: string; close(): Promise<void> }> {
  const moduleDir = join(REPO_ROOT, 'node_modules/better-sqlite3');
  const version = (JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string }).version;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const archive = join(work, name);
  await run('tar', ['-czf', archive, '-C', moduleDir, 'build/Release/better_sqlite3.node']);
  const server = createServer((request, response) => {
    if (request.url !== `/v${version}/${name}`) return void response.writeHead(404).end();
    prebuiltDownloads++;
    response.writeHead(200, { 'content-type': 'application/gzip' }).end(readFileSync(archive));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'pcapi-packages-'));
  // What docs/testing.md tells a user to run: `npm run pack:packages -- <folder>`.
  const packed = join(work, 'tarballs');
  await run(process.execPath, ['scripts/pack-packages.mjs', packed], { cwd: REPO_ROOT, env: userEnv(), timeout: 300_000 });
  tarballs = readdirSync(packed).map((name) => join(packed, name)).sort();
  assert.deepEqual(tarballs.map((path) => /^pcapi-(\w+)-/.exec(basename(path))?.[1]), ['client', 'contracts', 'server']);
  project = join(work, 'project');
  mkdirSync(project);
  // As the README tells a user: npm 12 runs only the install scripts a project allows.
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'partner-tool-tests', private: true, type: 'module', allowScripts: { 'better-sqlite3': true } }, null, 2));
  // Only the tarballs and what they depend on, from the registry (the local cache when it has them),
  // with the tools the tests below use as a user would (TypeScript, and docs/testing.md's Vitest and
  // Jest): one install, one resolution of the tree.
  const prebuilt = await servePrebuiltSqlite();
  try {
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, 'typescript@5.9', '@types/node@20', 'vitest@4.1', 'jest@30'], {
      cwd: project, env: { ...userEnv(), npm_config_better_sqlite3_binary_host: prebuilt.host }, timeout: 600_000, maxBuffer: 16 * 1024 * 1024,
    });
  } finally {
    await prebuilt.close();
  }
}, { timeout: 900_000 });

after(() => rmSync(work, { recursive: true, force: true }));

test('better-sqlite3 came as its prebuilt binary, as from its releases, not compiled', () => {
  assert.equal(prebuiltDownloads, 1);
  assert.ok(!readdirSync(join(project, 'node_modules/better-sqlite3/build/Release')).includes('obj.target'), 'node-gyp compiled it');
});

/** The client's packed size budget (the bundled size is budgeted in packages/client/test/browser-bundle.test.ts). */
const CLIENT_PACKED_BUDGET_BYTES = 48 * 1024;

test('the tarballs hold the built package, and no tests, fixtures or keys', async (t) => {
  for (const tarball of tarballs) t.diagnostic(`${tarball.replace(/^.*\//, '')}: ${statSync(tarball).size} bytes packed`);
  const client = tarballs.find((file) => file.includes('pcapi-client'))!;
  assert.ok(statSync(client).size <= CLIENT_PACKED_BUDGET_BYTES, `@pcapi/client packs to ${statSync(client).size} bytes, budget ${CLIENT_PACKED_BUDGET_BYTES}`);
  assert.deepEqual(tarballs.map((file) => file.replace(/^.*\//, '').replace(/-\d+\.\d+\.\d+\.tgz$/, '')), ['pcapi-client', 'pcapi-contracts', 'pcapi-server']);
  for (const tarball of tarballs) {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    assert.ok(files.some((file) => /^package\/dist\/index\.(m?js)$/.test(file)), `${tarball}: dist/index`);
    const unwanted = files.filter((file) => /\/test\/|fixtures|\.pem$|signing-key\.json|localhost-key|\.test\.|\/src\/(?!store\/migrations\/)/.test(file));
    assert.deepEqual(unwanted, [], `${tarball} ships only what users need`);
    // The OpenAPI document of the whole surface (`@pcapi/contracts/openapi.json`).
    if (tarball.includes('pcapi-contracts')) assert.ok(files.includes('package/openapi.json'), `${tarball}: openapi.json`);
  }
});

test('publint and arethetypeswrong find nothing wrong with any package', async (t) => {
  for (const name of ['contracts', 'client', 'server']) {
    const dir = join(REPO_ROOT, 'packages', name);
    const lint = await run(process.execPath, [join(REPO_ROOT, 'node_modules/publint/src/cli.js'), dir, '--strict'], { cwd: REPO_ROOT, env: userEnv() });
    assert.match(lint.stdout, /All good!/, `publint @pcapi/${name}: ${lint.stdout}`);
    // ESM only (as Node 20+ and bundlers load it): CommonJS require() is not a supported way in.
    // attw exits non-zero on any problem the profile does not ignore; execFile then rejects. It reads
    // the tarball the user installs (packed above), rather than packing the package again.
    const tarball = tarballs.find((file) => file.includes(`pcapi-${name}-`))!;
    const types = await run(process.execPath, [join(REPO_ROOT, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'esm-only'], { cwd: dir, env: userEnv() });
    assert.match(types.stdout, /node16 \(from ESM\)[^\n]*🟢/, `attw @pcapi/${name}: ${types.stdout}`);
    assert.match(types.stdout, /bundler[^\n]*🟢/, `attw @pcapi/${name}`);
    t.diagnostic(`@pcapi/${name}: publint all good; attw (esm-only) no problems`);
  }
});

test('plain JavaScript: startPcapi, then @pcapi/client with the fixture\'s credential gets Contoso', async () => {
  writeFileSync(join(project, 'plain.mjs'), `
import { startPcapi } from '@pcapi/server';
import { PartnerCenterClient } from '@pcapi/client';
const pcapi = await startPcapi();
try {
  const client = new PartnerCenterClient(pcapi.url, pcapi.credentialFor('admin@fabrikam.example'), { allowInsecureConnection: true });
  const [organization] = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
  console.log(organization.displayName);
} finally {
  await pcapi.close();
}
`);
  const { stdout } = await inProject(process.execPath, ['plain.mjs']);
  assert.equal(stdout.trim(), 'Contoso');
});

test('TypeScript, type-checked under NodeNext (then run) and under Bundler resolution', async () => {
  writeFileSync(join(project, 'typed.ts'), `
import { startPcapi, type Pcapi } from '@pcapi/server';
import { PartnerCenterClient, isPartnerCenterError, type CustomerOrganization } from '@pcapi/client';
const pcapi: Pcapi = await startPcapi({ clockStart: '2030-01-01T00:00:00Z' });
try {
  const client = new PartnerCenterClient(pcapi.url, pcapi.credentialFor('admin@fabrikam.example'), { allowInsecureConnection: true });
  const organizations: CustomerOrganization[] = await client.getCustomerOrganization('13bba13f-49f8-49aa-8a22-1fe70d695fcb');
  let denied = 'none';
  try {
    await client.getCustomerOrganization('98d1aee7-213b-475d-879d-bb7a1f32c0eb');
  } catch (error) {
    if (isPartnerCenterError(error)) denied = String(error.statusCode);
  }
  console.log(organizations[0]!.displayName, denied, (await pcapi.clock.get()).now.slice(0, 4));
} finally {
  await pcapi.close();
}
`);
  const base = { target: 'ES2022', strict: true, skipLibCheck: false, types: ['node'] };
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out' }, files: ['typed.ts'] }));
  // The declarations themselves are checked once (above, skipLibCheck false); under Bundler resolution
  // what can differ is which files resolve, which the program's own import checks show.
  writeFileSync(join(project, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...base, skipLibCheck: true, module: 'ESNext', moduleResolution: 'Bundler', noEmit: true }, files: ['typed.ts'] }));
  await inProject(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json']);
  await inProject(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bundler.json']);
  const { stdout } = await inProject(process.execPath, ['out/typed.js']);
  assert.equal(stdout.trim(), 'Contoso 403 2030');
});

test('npx pcapi serve from the installed package answers 200', async (t) => {
  const port = await freePort();
  const data = join(work, 'data');
  // Its own process group: npx starts pcapi as a child, and both must stop with the test.
  const server = spawn('npx', ['pcapi', 'serve', '--port', String(port), '--data-dir', data, '--log-level', 'warn'], { cwd: project, env: userEnv(), detached: true, stdio: 'ignore' });
  t.after(() => process.kill(-server.pid!, 'SIGTERM'));
  const url = `http://127.0.0.1:${port}`;
  let ready = false;
  for (let attempt = 0; attempt < 100 && !ready; attempt++) {
    ready = await fetch(`${url}/common/v2.0/.well-known/openid-configuration`).then((r) => r.ok, () => false);
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(ready, 'pcapi serve answered within 20 s');
  const { stdout: token } = await inProject('npx', ['pcapi', 'token', '--user', 'admin@fabrikam.example', '--data-dir', data, '--public-url', url]);
  const response = await fetch(`${url}/v1/customers/13bba13f-49f8-49aa-8a22-1fe70d695fcb/organization`, { headers: { authorization: `Bearer ${token.trim()}` } });
  assert.equal(response.status, 200, await response.clone().text());
});

/** docs/testing.md's code blocks, each written to the file its first line names (`// name.mjs...`). */
function writeRecipes(): string[] {
  const docs = readFileSync(join(REPO_ROOT, 'docs/testing.md'), 'utf8');
  const written: string[] = [];
  for (const [, code] of docs.matchAll(/```js\n(\/\/ ([\w.-]+\.mjs)[^\n]*\n[\s\S]*?)```/g)) {
    const name = /^\/\/ ([\w.-]+\.mjs)/.exec(code!)![1]!;
    writeFileSync(join(project, name), code!);
    written.push(name);
  }
  return written;
}

test('the recipes of docs/testing.md pass: node:test, Vitest and Jest', async () => {
  const files = writeRecipes();
  assert.deepEqual(files.sort(), ['jest.config.mjs', 'jest.global-setup.mjs', 'jest.global-teardown.mjs', 'organization.jest.test.mjs', 'organization.test.mjs', 'organization.vitest.test.mjs']);
  const nodeTest = await inProject(process.execPath, ['--test', '--test-reporter=tap', 'organization.test.mjs']); // TAP on every version (Node 23+ prints spec in a pipe too)
  assert.match(nodeTest.stdout, /# pass 2\n/);
  assert.match(nodeTest.stdout, /# fail 0\n/);

  const vitest = await inProject(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'organization.vitest']);
  const plain = (output: { stdout: string; stderr: string }) => `${output.stdout}${output.stderr}`.replace(/\x1b\[[0-9;]*m/g, ''); // colours off
  assert.match(plain(vitest), /Tests\s+2 passed/);
  const jest = await inProject(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js']);
  assert.match(plain(jest), /Tests:\s+1 passed, 1 total/);
});
