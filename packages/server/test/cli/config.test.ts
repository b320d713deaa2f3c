import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ConfigError, resolveServeConfig, type RawServeOptions } from '../../src/config.js';

const CWD = '/srv/pcapi';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The problems of the ConfigError that resolving these options must throw. */
function problemsOf(raw: RawServeOptions, cwd = CWD): string[] {
  try {
    resolveServeConfig(raw, cwd);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.message, /^invalid configuration:\n {2}/);
    return error.problems;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

function assertOneProblem(raw: RawServeOptions, flag: string, env: string, text: RegExp) {
  const problems = problemsOf(raw);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.ok(problems[0]!.includes(flag), `"${problems[0]}" does not name ${flag}`);
  assert.ok(problems[0]!.includes(env), `"${problems[0]}" does not name ${env}`);
  assert.match(problems[0]!, text);
}

describe('resolveServeConfig', () => {
  test('defaults', () => {
    const config = resolveServeConfig({}, CWD);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, '/srv/pcapi/data');
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/srv/pcapi/data/pcapi.db' });
    assert.equal(config.explainDenials, true);
    assert.deepEqual(config.authorization, { nestedGroups: false, servicePrincipalsInGdapGroups: true });
    assert.equal(config.logLevel, 'info');
    assert.equal(config.demo, true);
    assert.equal(config.tls, undefined);
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.seedFile, undefined);
    assert.deepEqual(config.trustedIssuers, []);
    assert.equal(config.clockToleranceSeconds, 60);
  });

  test('the string defaults commander hands over give the same result', () => {
    const fromCli = resolveServeConfig({
      dataDir: 'data', host: '127.0.0.1', port: '8080', logLevel: 'info', explainDenials: 'true', nestedGroups: 'false',
      servicePrincipalsInGdapGroups: 'true', clockTolerance: '60', tokenCacheSize: '10000', demo: true,
    }, CWD);
    assert.deepEqual(fromCli, resolveServeConfig({}, CWD));
  });

  test('valid values are taken', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    const config = resolveServeConfig({
      host: '0.0.0.0', port: '0', dataDir: dir, database: 'sqlite:store.db', publicUrl: 'https://pcapi.example/base/',
      tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem'), logLevel: 'DEBUG', explainDenials: 'off', nestedGroups: 'yes',
      servicePrincipalsInGdapGroups: '0', trustedIssuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
    }, CWD);
    assert.equal(config.port, 0);
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/srv/pcapi/store.db' });
    assert.equal(config.publicUrl, 'https://pcapi.example/base');
    assert.equal(config.tls?.cert.toString(), 'CERT');
    assert.equal(config.tls?.key.toString(), 'KEY');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.explainDenials, false);
    assert.deepEqual(config.authorization, { nestedGroups: true, servicePrincipalsInGdapGroups: false });
    assert.deepEqual(config.trustedIssuers, [{
      issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
      discoveryUrl: 'https://login.microsoftonline.com/{tenantid}/v2.0/.well-known/openid-configuration',
    }]);
  });

  test('logging, metrics port and audit retention: defaults and valid values', () => {
    const defaults = resolveServeConfig({}, CWD);
    assert.deepEqual(
      [defaults.logRequests, defaults.logFormat, defaults.metricsPort, defaults.metrics, defaults.auditRetentionDays],
      [false, 'auto', undefined, false, 30],
    );
    const config = resolveServeConfig({ logRequests: 'yes', logFormat: 'PRETTY', metricsPort: '9464', auditRetention: '0' }, CWD);
    assert.deepEqual(
      [config.logRequests, config.logFormat, config.metricsPort, config.metrics, config.auditRetentionDays],
      [true, 'pretty', 9464, true, 0],
    );
    assert.equal(resolveServeConfig({ metricsPort: '0', port: '0' }, CWD).metricsPort, 0);
  });
  test('log format "xml"', () => assertOneProblem({ logFormat: 'xml' }, '--log-format', 'PCAPI_LOG_FORMAT', /"xml" is not one of auto, json, pretty/));
  test('log-requests "often"', () => assertOneProblem({ logRequests: 'often' }, '--log-requests', 'PCAPI_LOG_REQUESTS', /"often" is not true or false/));
  test('metrics port 65536', () => assertOneProblem({ metricsPort: '65536' }, '--metrics-port', 'PCAPI_METRICS_PORT', /"65536" is not a whole number from 0 to 65535/));
  test('metrics port equal to the API port', () => assertOneProblem({ metricsPort: '8080' }, '--metrics-port', 'PCAPI_METRICS_PORT', /8080 is also --port \(PCAPI_PORT\)/));
  test('audit retention 3651', () => assertOneProblem({ auditRetention: '3651' }, '--audit-retention', 'PCAPI_AUDIT_RETENTION', /"3651" is not a whole number from 0 to 3650/));
  test('port "abc"', () => assertOneProblem({ port: 'abc' }, '--port', 'PCAPI_PORT', /"abc" is not a whole number from 0 to 65535/));
  test('port 70000', () => assertOneProblem({ port: '70000' }, '--port', 'PCAPI_PORT', /"70000" is not a whole number/));
  test('port -1', () => assertOneProblem({ port: '-1' }, '--port', 'PCAPI_PORT', /"-1"/));
  test('log level "loud"', () => assertOneProblem({ logLevel: 'loud' }, '--log-level', 'PCAPI_LOG_LEVEL', /"loud" is not one of fatal, error, warn, info, debug, trace, silent/));
  test('explain-denials "maybe"', () => assertOneProblem({ explainDenials: 'maybe' }, '--explain-denials', 'PCAPI_EXPLAIN_DENIALS', /"maybe" is not true or false/));
  test('nested-groups "sometimes"', () => assertOneProblem({ nestedGroups: 'sometimes' }, '--nested-groups', 'PCAPI_NESTED_GROUPS', /not true or false/));
  test('a PostgreSQL URL without a database name', () => assertOneProblem({ database: 'postgres://localhost' }, '--database', 'PCAPI_DATABASE', /not a usable PostgreSQL URL/));
  test('a public URL that is not http(s)', () => assertOneProblem({ publicUrl: 'ftp://pcapi.example' }, '--public-url', 'PCAPI_PUBLIC_URL', /"ftp:\/\/pcapi\.example" is not an http\(s\) base URL/));
  test('a public URL that does not parse', () => assertOneProblem({ publicUrl: 'pcapi.example:8080/x y' }, '--public-url', 'PCAPI_PUBLIC_URL', /is not an http\(s\) base URL/));
  test('a public URL with a query', () => assertOneProblem({ publicUrl: 'https://pcapi.example/?a=1' }, '--public-url', 'PCAPI_PUBLIC_URL', /query or fragment/));
  test('a bad trusted issuer', () => assertOneProblem({ trustedIssuer: ['ftp://issuer.example'] }, '--trusted-issuer', 'PCAPI_TRUSTED_ISSUERS', /must be an http\(s\) URL/));
  test('a trusted issuer with too many parts', () => assertOneProblem({ trustedIssuer: ['https://a.example|https://b.example|x'] }, '--trusted-issuer', 'PCAPI_TRUSTED_ISSUERS', /expected ISSUER or ISSUER\|DISCOVERY_URL/));
  test('a seed file that does not exist', () => assertOneProblem({ seed: 'nope.seed.json' }, '--seed', 'PCAPI_SEED', /nope\.seed\.json does not exist/));
  test('a bad host', () => assertOneProblem({ host: 'local host' }, '--host', 'PCAPI_HOST', /not a host name or IP address/));

  test('a TLS certificate without a key', (t) => {
    const cert = join(tempDir(t), 'cert.pem');
    writeFileSync(cert, 'CERT');
    const problems = problemsOf({ tlsCert: cert });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /--tls-cert \(PCAPI_TLS_CERT\) and --tls-key \(PCAPI_TLS_KEY\) must be given together/);
  });

  test('unreadable TLS files name the flag, the variable and the file', (t) => {
    const dir = tempDir(t);
    const problems = problemsOf({ tlsCert: join(dir, 'missing.pem'), tlsKey: dir });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0]!, /^--tls-cert \(PCAPI_TLS_CERT\): cannot read .*missing\.pem \(ENOENT\)/);
    assert.match(problems[1]!, /^--tls-key \(PCAPI_TLS_KEY\): cannot read .* \(EISDIR\)/);
  });

  test('a TLS file that is far too large for PEM (or never ends) is refused, not read on', { skip: !existsSync('/dev/zero') && 'no /dev/zero here' }, (t) => {
    const key = join(tempDir(t), 'key.pem');
    writeFileSync(key, 'KEY');
    const problems = problemsOf({ tlsCert: '/dev/zero', tlsKey: key });
    assert.deepEqual(problems, ['--tls-cert (PCAPI_TLS_CERT): /dev/zero is larger than 1 MiB: not a PEM file']);
  });

  test('all problems are reported at once', () => {
    const problems = problemsOf({
      port: 'abc', logLevel: 'loud', explainDenials: 'maybe', database: 'postgresql://db', publicUrl: 'ftp://x.example',
      trustedIssuer: ['not a url'], tlsCert: '/nonexistent/cert.pem', clockTolerance: '9999',
    });
    for (const flag of ['--port', '--log-level', '--explain-denials', '--database', '--public-url', '--trusted-issuer', '--tls-cert', '--clock-tolerance']) {
      assert.ok(problems.some((problem) => problem.startsWith(flag)), `nothing about ${flag} in:\n${problems.join('\n')}`);
    }
    // the unreadable certificate and the missing key are two problems
    assert.equal(problems.length, 9, problems.join('\n'));
  });
});
