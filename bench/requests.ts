/**
 * The request mix: tokens from pcapi's real issuer (the data folder's signing key) for every agent user
 * and app of every partner, paired with customers drawn uniformly from the whole dataset. The generated
 * data makes about 85% of customers reachable and 15% denied (DAP only, expired, wrong roles).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSigningKey } from '../packages/server/src/identity/signing-key.js';
import { TokenIssuer } from '../packages/server/src/identity/token-issuer.js';
import { systemClock } from '../packages/server/src/clock.js';
import { customerTenantIdOf, partnerTenantIdOf } from '../packages/server/src/seed/generate-seed.js';
import { stableId } from '../packages/server/src/seed/stable-id.js';
import { openStore } from '../packages/server/src/store/open-store.js';
import type { Principal } from '../packages/server/src/domain/model.js';
import type { Dataset } from './dataset.js';

/** The issuer base URL pcapi is started with, so minted tokens match whatever port it listens on. */
export const BENCH_PUBLIC_URL = 'http://127.0.0.1:8080';
/** Azure CLI's public client id: the app user tokens are issued to, as `pcapi token` does. */
const USER_TOKEN_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface RequestPool {
  /** Text file the load generators read: `t TOKEN` lines, then `p TOKEN_INDEX CUSTOMER_ID` lines. */
  file: string;
  tokens: string[];
  pairs: Array<{ token: number; customer: string; customerIndex: number }>;
  principals: { users: number; apps: number };
}

/** A small deterministic PRNG (mulberry32), so a dataset always gets the same mix. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function buildRequestPool(dataset: Dataset, options: { pairs: number; file: string }): Promise<RequestPool> {
  const store = await openStore({ kind: 'sqlite', file: join(dataset.dataDir, 'pcapi.db') });
  const byPartner: number[][] = [];
  const tokens: string[] = [];
  let users = 0;
  let apps = 0;
  try {
    const key = await loadOrCreateSigningKey(dataset.dataDir);
    const issuer = new TokenIssuer(key, () => BENCH_PUBLIC_URL, systemClock);
    // Tokens live 4 hours: a full run on 1M customers stays well inside that.
    const lifetimeSeconds = 4 * 3600;
    for (let partner = 0; partner < dataset.partners; partner++) {
      const tenantId = partnerTenantIdOf(partner);
      const principals: Array<{ principal: Principal; clientId: string | undefined }> = [];
      for (let user = 0; user < dataset.usersPerPartner; user++) {
        const principal = await store.findUserByName(tenantId, `agent${user}@partner${partner}.example`);
        if (!principal) throw new Error(`dataset ${dataset.dataDir}: user agent${user}@partner${partner}.example is missing`);
        principals.push({ principal, clientId: USER_TOKEN_CLIENT_ID });
        users++;
      }
      const app = await store.findAppByClientId(tenantId, stableId('generated-app', String(partner)));
      if (!app) throw new Error(`dataset ${dataset.dataDir}: the app of partner ${partner} is missing`);
      principals.push({ principal: app, clientId: undefined });
      apps++;
      const indexes: number[] = [];
      for (const { principal, clientId } of principals) {
        const { token } = await issuer.mintAccessToken(principal, { clientId, lifetimeSeconds });
        indexes.push(tokens.length);
        tokens.push(token);
      }
      byPartner.push(indexes);
    }
  } finally {
    await store.close();
  }

  // Distinct (principal, customer) pairs: customers uniform over the dataset, principals uniform
  // over the customer's partner's agents and app. All pairs when the dataset has fewer.
  const perCustomer = dataset.usersPerPartner + 1;
  const possible = dataset.customers * perCustomer;
  const wanted = Math.min(options.pairs, possible);
  const next = random(dataset.customers * 31 + dataset.partners);
  const pairs: RequestPool['pairs'] = [];
  if (wanted === possible) {
    for (let customer = 0; customer < dataset.customers; customer++) {
      for (const token of byPartner[customer % dataset.partners]!) pairs.push({ token, customer: customerTenantIdOf(customer), customerIndex: customer });
    }
    // Shuffle (Fisher-Yates) so consecutive requests hit different customers and callers.
    for (let index = pairs.length - 1; index > 0; index--) {
      const other = Math.floor(next() * (index + 1));
      [pairs[index], pairs[other]] = [pairs[other]!, pairs[index]!];
    }
  } else {
    const seen = new Set<number>();
    while (pairs.length < wanted) {
      const customer = Math.floor(next() * dataset.customers);
      const slot = Math.floor(next() * perCustomer);
      const id = customer * perCustomer + slot;
      if (seen.has(id)) continue;
      seen.add(id);
      pairs.push({ token: byPartner[customer % dataset.partners]![slot]!, customer: customerTenantIdOf(customer), customerIndex: customer });
    }
  }

  const lines = [...tokens.map((token) => `t ${token}`), ...pairs.map((pair) => `p ${pair.token} ${pair.customer}`)];
  writeFileSync(options.file, lines.join('\n') + '\n');
  return { file: options.file, tokens, pairs, principals: { users, apps } };
}

export function organizationPath(customerTenantId: string): string {
  return `/v1/customers/${customerTenantId}/organization`;
}
