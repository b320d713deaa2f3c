/**
 * Graph listings at scale (`npm run bench -- --graph`): pcapi on the largest dataset (1M customers,
 * 100 partners: about 9,000 relationships each), one partner's app listing its GDAP relationships
 * with the `$filter`s GDAP tools send. Each query is measured right after a write (the first listing
 * after a data change reads the whole list from the store) and then 200 times in a row; the goal is
 * the first page's p99 under 50 ms.
 */
import { join, relative } from 'node:path';
import { ensureDataset, selectPcapiEntry } from './dataset.js';
import { machineInfo, readGitCommit, type Log } from './measure.js';
import { REPO_DIR, type BenchOptions } from './options.js';
import { detectPinning, freePort } from './processes.js';
import { BENCH_PUBLIC_URL } from './requests.js';
import type { BenchResult, Goal } from './results-types.js';
import { startPcapi } from './servers.js';
import { customerTenantIdOf, partnerTenantIdOf } from '../packages/server/src/seed/generate-seed.js';
import { loadOrCreateSigningKey } from '../packages/server/src/identity/signing-key.js';
import { TokenIssuer } from '../packages/server/src/identity/token-issuer.js';
import { systemClock } from '../packages/server/src/clock.js';
import { stableId } from '../packages/server/src/seed/stable-id.js';
import { openStore } from '../packages/server/src/store/open-store.js';

export const GRAPH_SCHEMA = 'pcapi-graph-listing/1';
const REPEATS = 200;
const GOAL_P99_MS = 50;
const RELATIONSHIPS = '/v1.0/tenantRelationships/delegatedAdminRelationships';

export interface GraphListingResult {
  schema: typeof GRAPH_SCHEMA;
  startedAt: string;
  git: BenchResult['git'];
  machine: BenchResult['machine'];
  settings: { customers: number; partners: number; relationshipsOfPartner: number; repeats: number; pcapiEntry: string };
  queries: Array<{ name: string; query: string; afterWriteMs: number; p50Ms: number; p99Ms: number; maxMs: number; items: number }>;
  goals: Goal[];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function runGraphListing(options: BenchOptions, log: Log = (line) => process.stdout.write(line + '\n')): Promise<GraphListingResult> {
  const startedAt = new Date();
  const pinning = detectPinning(options.pin);
  const entry = await selectPcapiEntry(options.entry, log, options.bundleDir);
  const customers = options.sizes[options.sizes.length - 1]!;
  const dataset = await ensureDataset(options.dataDir, { customers, partners: options.partners, usersPerPartner: options.usersPerPartner }, log);

  // An app-only Graph token for partner 0's app, from the dataset's issuer key (generated apps hold no Graph permissions).
  const partner = partnerTenantIdOf(0);
  const store = await openStore({ kind: 'sqlite', file: join(dataset.dataDir, 'pcapi.db') });
  let token: string;
  try {
    const app = await store.findAppByClientId(partner, stableId('generated-app', '0'));
    if (!app) throw new Error(`dataset ${dataset.dataDir}: the app of partner 0 is missing`);
    const issuer = new TokenIssuer(await loadOrCreateSigningKey(dataset.dataDir), () => BENCH_PUBLIC_URL, systemClock);
    ({ token } = await issuer.mintAccessToken(app, { audience: 'https://graph.microsoft.com', roles: ['DelegatedAdminRelationship.ReadWrite.All'], lifetimeSeconds: 3600 }));
  } finally {
    await store.close();
  }
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const running = await startPcapi({
    dataDir: dataset.dataDir, port: await freePort(), logLevel: options.logLevel, cpu: pinning.enabled ? pinning.serverCpu : undefined,
    logFile: join(options.dataDir, 'graph-listing.log'), probe: { path: `${RELATIONSHIPS}?$top=1`, headers },
  });
  const queries: GraphListingResult['queries'] = [];
  let relationshipsOfPartner = 0;
  try {
    const get = async (query: string) => {
      const started = performance.now();
      const response = await fetch(`${running.url}${RELATIONSHIPS}?${query}`, { headers });
      const body = (await response.json()) as { value?: unknown[]; '@odata.count'?: number };
      if (response.status !== 200) throw new Error(`GET ${query}: ${response.status} ${JSON.stringify(body)}`);
      return { ms: performance.now() - started, body };
    };
    relationshipsOfPartner = (await get('$count=true&$top=1')).body['@odata.count'] ?? 0;
    // A relationship created (and deleted) through Graph before each query: a data change, so the query's first listing is cold.
    const write = async () => {
      const created = await fetch(`${running.url}${RELATIONSHIPS}`, {
        method: 'POST', headers,
        body: JSON.stringify({ displayName: `bench ${Date.now()}`, duration: 'P730D', customer: { tenantId: customerTenantIdOf(0) }, accessDetails: { unifiedRoles: [{ roleDefinitionId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' }] } }),
      });
      const body = (await created.json()) as { id: string; '@odata.etag': string };
      await fetch(`${running.url}${RELATIONSHIPS}/${body.id}`, { method: 'DELETE', headers: { ...headers, 'if-match': body['@odata.etag'] } });
    };
    for (const [name, query] of [
      ['active, first page of 100', "$filter=status eq 'active'&$top=100"],
      ['one customer', `$filter=customer/tenantId eq '${customerTenantIdOf(100)}'`],
      ['all, first page of 300, counted', '$top=300&$count=true'],
      ['by name, ordered', "$filter=startswith(displayName,'Customer 1')&$orderby=displayName desc&$top=50"],
    ] as const) {
      await write();
      const first = await get(query);
      const times: number[] = [];
      let items = 0;
      for (let i = 0; i < REPEATS; i++) {
        const { ms, body } = await get(query);
        times.push(ms);
        items = body.value?.length ?? 0;
      }
      times.sort((a, b) => a - b);
      queries.push({ name, query, afterWriteMs: first.ms, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times[times.length - 1]!, items });
      log(`  ${name}: after a write ${first.ms.toFixed(1)} ms; then p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${items} items)`);
    }
  } finally {
    await running.started.stop();
  }
  const worst = Math.max(...queries.map((q) => q.p99Ms));
  return {
    schema: GRAPH_SCHEMA, startedAt: startedAt.toISOString(), git: readGitCommit(REPO_DIR), machine: machineInfo(),
    settings: { customers, partners: options.partners, relationshipsOfPartner, repeats: REPEATS, pcapiEntry: relative(REPO_DIR, entry.script) },
    queries,
    goals: [{ name: `first page p99 with a $filter at ${customers.toLocaleString('en-US')} customers`, target: `< ${GOAL_P99_MS} ms`, measured: `${worst.toFixed(1)} ms (worst query)`, met: worst < GOAL_P99_MS }],
  };
}

export function graphListingMarkdown(result: GraphListingResult): string {
  const { settings } = result;
  return [
    `Measured ${result.machine.cpuModel}, ${result.machine.cores} cores, Node ${result.machine.node}; commit ${(result.git.commit ?? 'unknown').slice(0, 12)}, ${result.startedAt.slice(0, 10)}; ${settings.customers.toLocaleString('en-US')} customers of ${settings.partners} partners, one partner's app listing its ${settings.relationshipsOfPartner.toLocaleString('en-US')} relationships, sequential requests.`,
    '',
    '| query | first listing after a write | then p50 | p99 | items |',
    '|---|---|---|---|---|',
    ...result.queries.map((q) => `| ${q.name}: \`${q.query}\` | ${q.afterWriteMs.toFixed(1)} ms | ${q.p50Ms.toFixed(1)} ms | ${q.p99Ms.toFixed(1)} ms | ${q.items} |`),
    '',
    ...result.goals.map((g) => `Goal: ${g.name} ${g.target}: ${g.measured}, ${g.met ? 'met' : '**not met**'}.`),
    '',
  ].join('\n');
}
