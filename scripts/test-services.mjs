// The services a selection of test files needs (PostgreSQL, Redis), and a check that each answers,
// so that `npm test` stops at once with one message instead of failing test by test.
//
// A test file needs PostgreSQL when it is an integration test (*.integration.test.ts: the fast layer
// never needs a service) and it, or a test module it imports (transitively; product code under src/
// is not followed), uses what connects in test/helpers/postgres.ts: createTestDatabase,
// withPostgresAdmin, PostgresProxy or ADMIN_URL. The same for Redis with test/helpers/redis.ts'
// connectRedis or REDIS_URL. Importing only a pure helper (databaseUrl) does not count.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, dirname, join, resolve, sep } from 'node:path';

export const SERVICES = {
  postgres: {
    name: 'PostgreSQL',
    variable: 'PCAPI_TEST_POSTGRES',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    defaultPort: 5432,
    uses: /\b(createTestDatabase|withPostgresAdmin|PostgresProxy|ADMIN_URL)\b/,
    helper: `${sep}test${sep}helpers${sep}postgres.ts`,
  },
  redis: {
    name: 'Redis',
    variable: 'PCAPI_TEST_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    defaultPort: 6379,
    uses: /\b(connectRedis|REDIS_URL)\b/,
    helper: `${sep}test${sep}helpers${sep}redis.ts`,
  },
};

function relativeImports(file) {
  const found = [];
  for (const match of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    let target = resolve(dirname(file), match[1]);
    if (target.endsWith('.js')) target = `${target.slice(0, -3)}.ts`;
    if (existsSync(target)) found.push(target);
  }
  return found;
}

function testModules(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const target of relativeImports(file)) if (!target.includes(`${sep}src${sep}`)) testModules(target, seen);
  return seen;
}

/** For each service, the files of `files` (paths relative to `root`) that need it. */
export function servicesNeeded(files, root = process.cwd()) {
  const needed = Object.fromEntries(Object.keys(SERVICES).map((key) => [key, []]));
  for (const file of files) {
    if (!file.endsWith('.integration.test.ts')) continue;
    const modules = [...testModules(resolve(root, file))].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    for (const [key, service] of Object.entries(SERVICES)) {
      if (modules.some(({ path, text }) => !path.endsWith(service.helper) && service.uses.test(text))) needed[key].push(file);
    }
  }
  return needed;
}

/** Resolves with undefined when a service of this kind answers at host:port, or with why not. */
function probe(kind, host, port, timeoutMs) {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (problem) => {
      socket.destroy();
      done(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`no answer in ${timeoutMs / 1000} s`));
    socket.on('error', (error) => finish(error.code === 'ECONNREFUSED' ? 'connection refused' : error.message));
    socket.on('connect', () => {
      // PostgreSQL answers an SSLRequest with one byte, S or N; Redis answers PING with +PONG (or -NOAUTH ...).
      if (kind === 'postgres') socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
      else socket.write('PING\r\n');
    });
    socket.once('data', (data) => {
      const first = String.fromCharCode(data[0]);
      const answers = kind === 'postgres' ? first === 'S' || first === 'N' : first === '+' || first === '-';
      finish(answers ? undefined : `something else listens there (it answered ${JSON.stringify(data.subarray(0, 16).toString('latin1'))})`);
    });
  });
}

function onPath(program, env) {
  return (env.PATH ?? '').split(delimiter).some((folder) => folder && existsSync(join(folder, program)));
}

/** The commands that start a service: this kind of machine's first when it has them, then generic ones. */
function startCommands(key, env) {
  if (key === 'postgres') {
    return [
      ...(existsSync('/etc/postgresql') ? ['pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'] : []),
      'docker run -d --name pcapi-postgres -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:17',
    ];
  }
  return [
    ...(onPath('redis-server', env) ? ['redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'] : []),
    'docker run -d --name pcapi-redis -p 6379:6379 redis:7',
  ];
}

/**
 * Checks the services `needed` (from servicesNeeded) names; returns undefined when all answer, or
 * the message to print: what is missing, for how many files, and the commands that start it.
 */
export async function checkServices(needed, env = process.env, timeoutMs = 3000) {
  const missing = [];
  await Promise.all(
    Object.entries(SERVICES).map(async ([key, service]) => {
      if (needed[key].length === 0) return;
      const given = env[service.variable];
      const url = new URL(given || service.defaultUrl);
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
      const port = Number(url.port || service.defaultPort);
      const problem = await probe(key, host, port, timeoutMs);
      if (problem) missing.push({ key, service, where: `${url.hostname}:${port}`, given, problem, files: needed[key] });
    }),
  );
  if (missing.length === 0) return undefined;
  missing.sort((a, b) => a.service.name.localeCompare(b.service.name));
  const lines = [`Stopped before running any test: ${missing.map((m) => m.service.name).join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not answer, and the selected tests need ${missing.length > 1 ? 'them' : 'it'}.`];
  for (const m of missing) {
    lines.push('');
    lines.push(`${m.service.name} is not answering at ${m.where} (${m.given ? `from ${m.service.variable}` : `the default; ${m.service.variable} overrides it`}): ${m.problem}.`);
    lines.push(`  ${m.files.length} test file${m.files.length > 1 ? 's' : ''} need${m.files.length > 1 ? '' : 's'} it, e.g. ${m.files[0]}`);
    lines.push('  Start it with:');
    for (const command of startCommands(m.key, env)) lines.push(`    ${command}`);
  }
  lines.push('');
  lines.push('Then run the tests again. Tests that need neither: npm run test:fast (see DEVELOPERS.md, "Services the tests need").');
  return lines.join('\n');
}
