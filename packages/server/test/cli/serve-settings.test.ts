/** The settings table (serve-settings.ts) against what is built from it: the docs, the commander options and ServeConfig. */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option } from 'commander';
import { describe, test, type TestContext } from 'node:test';
import { resolveServeConfig, type RawServeOptions, type ServeConfig } from '../../src/config.js';
import { serveSettings, type ServeSettingName } from '../../src/serve-settings.js';
import { REGENERATE_COMMAND, withSettingsTable } from '../../src/serve-settings-doc.js';

const CWD = '/srv/pcapi';
const DOCS_FILE = fileURLToPath(new URL('../../../../docs/configuration.md', import.meta.url));

/** A valid value other than the default for every setting (the type makes a new setting add one). */
function nonDefaultValues(t: TestContext): Required<Pick<RawServeOptions, ServeSettingName>> {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-settings-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of ['cert.pem', 'key.pem', 'seed.json']) writeFileSync(join(dir, file), file);
  return {
    host: '0.0.0.0', port: '9000', dataDir: 'other-data', database: 'postgres://pcapi@db:5432/pcapi', publicUrl: 'https://pcapi.example',
    tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem'), seed: join(dir, 'seed.json'), demo: false,
    trustedIssuer: ['https://login.microsoftonline.com/{tenantid}/v2.0'], logLevel: 'debug', logFormat: 'json', logRequests: true,
    explainDenials: 'false', repeatCallLane: 'false', nestedGroups: 'true', servicePrincipalsInGdapGroups: 'false', clockTolerance: '30', tokenCacheSize: '5',
    decisionCacheTtl: '5', decisionCacheSize: '5', workers: '2', redis: 'redis://cache:6379', throttleTenant: '10/1',
    throttleTenantCustomer: '0', lockoutThreshold: '3', lockoutDuration: '5', onRedisUnavailable: 'deny', headersTimeout: '5',
    requestTimeout: '20', keepAliveTimeout: '5', maxConnections: '50', metrics: true, metricsPort: '9464', auditRetention: '7', auditMaxEvents: '5000',
    emulator: true, emulatorKey: 'an-admin-key-of-16+', clockStart: '2027-01-01', gdapDelays: 'realistic',
  };
}

/** Every leaf of a config by its path (`throttle.tenantLimit.requests`); buffers and arrays are leaves. */
function leaves(value: unknown, path = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, path ? `${path}.${key}` : key, into);
  } else {
    into.set(path, value);
  }
  return into;
}

/** Paths whose value differs between two configs, a path found in only one included. */
function changedPaths(a: ServeConfig, b: ServeConfig): string[] {
  const left = leaves(a);
  const right = leaves(b);
  return [...new Set([...left.keys(), ...right.keys()])].filter((path) => left.has(path) !== right.has(path) || !isDeepStrictEqual(left.get(path), right.get(path)));
}

describe('serve settings table', () => {
  test('docs/configuration.md holds the table rendered from serve-settings.ts', () => {
    const docs = readFileSync(DOCS_FILE, 'utf8');
    assert.ok(
      withSettingsTable(docs) === docs,
      `docs/configuration.md's settings table differs from packages/server/src/serve-settings.ts. Regenerate it: ${REGENERATE_COMMAND}`,
    );
  });

  test('each setting is named after its flag, and flags and variables are unique', () => {
    for (const [name, setting] of serveSettings()) {
      assert.equal(new Option(setting.flags).attributeName(), name, `${setting.flags} is not named ${name}`);
      assert.match(setting.env, /^PCAPI_[A-Z_]+$/);
      assert.ok(setting.help.length > 0 && setting.meaning.length > 0, `${name} needs a --help line and a meaning`);
    }
    const settings = serveSettings().map(([, setting]) => setting);
    assert.equal(new Set(settings.map((setting) => setting.flags.split(' ')[0])).size, settings.length);
    assert.equal(new Set(settings.map((setting) => setting.env)).size, settings.length);
  });

  test('every ServeConfig field comes from a setting', (t) => {
    const defaults = resolveServeConfig({}, CWD);
    const changed = resolveServeConfig(nonDefaultValues(t), CWD);
    const unchanged = [...leaves(defaults).keys()].filter((path) => !changedPaths(defaults, changed).includes(path));
    assert.deepEqual(unchanged, [], 'these ServeConfig fields do not follow any setting');
  });

  test('every setting changes ServeConfig on its own', (t) => {
    const values = nonDefaultValues(t);
    const defaults = resolveServeConfig({}, CWD);
    const given: Array<[ServeSettingName, string[]]> = serveSettings().map(([name]) => {
      // A certificate needs its key (and the key its certificate).
      const partner: RawServeOptions = name === 'tlsCert' ? { tlsKey: values.tlsKey } : name === 'tlsKey' ? { tlsCert: values.tlsCert } : {};
      return [name, changedPaths(defaults, resolveServeConfig({ [name]: values[name], ...partner }, CWD))];
    });
    assert.deepEqual(given.filter(([, paths]) => paths.length === 0).map(([name]) => name), [], 'these settings change nothing');
    assert.deepEqual(Object.fromEntries(given.filter(([name]) => ['redis', 'metricsPort', 'dataDir'].includes(name))), {
      dataDir: ['dataDir', 'database.file'],
      redis: ['throttle.redisUrl', 'lockout.redisUrl'],
      metricsPort: ['metrics', 'metricsPort'],
    });
  });
});
