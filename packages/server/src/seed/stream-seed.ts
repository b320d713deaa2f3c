/**
 * Streamed seed files (JSON Lines, `.jsonl`/`.ndjson`) for datasets too large to hold in memory, such
 * as a million customers. Each line is `{"partner": {...}}` (without customers) or
 * `{"customer": {"partnerTenantId": "...", ...}}`; a partner's line comes before its customers. The
 * file is read once, planned in chunks, and imported in ONE transaction: a bad line anywhere changes nothing.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { isGuid } from '@pcapi/contracts';
import type { ImportSummary, Store } from '../store/store.js';
import { planSeed } from './plan-seed.js';
import type { SeedCustomer, SeedDocument, SeedPartner } from './seed-document.js';
import type { SeedPlan } from './seed-plan.js';
import { lineProblems, SeedError } from './validate-seed.js';

/** Customers per planned chunk: bounds memory while keeping batches large. */
const CHUNK_CUSTOMERS = 2000;

export function isStreamedSeedFile(file: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(file);
}

interface PendingCustomer { partnerTenantId: string; customer: SeedCustomer; line: number }

export async function importSeedStream(store: Store, file: string, now = new Date()): Promise<ImportSummary> {
  return store.importSeed(planStream(store, file, now));
}

async function* planStream(store: Store, file: string, now: Date): AsyncIterable<SeedPlan> {
  const partners = new Map<string, SeedPartner>();
  let pending: PendingCustomer[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const raw of lines) {
      lineNumber++;
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      const entry = parseLine(text, file, lineNumber);
      if ('partner' in entry) {
        if (pending.length > 0) yield await planChunk(pending, partners, store, file, now);
        pending = [];
        const partner = entry.partner as SeedPartner;
        partners.set(partner.tenantId.toLowerCase(), partner);
        yield await planDocument({ partners: [partner] }, store, file, now, (path) => path.replace(/^\$\.partners\[0\]/, `line ${lineNumber}: $.partner`));
      } else {
        const { partnerTenantId, ...customer } = entry.customer as SeedCustomer & { partnerTenantId: string };
        if (!partners.has(partnerTenantId.toLowerCase())) {
          throw new SeedError(file, [`line ${lineNumber}: $.customer.partnerTenantId: no partner ${partnerTenantId} on an earlier line (a partner's line must come before its customers)`]);
        }
        pending.push({ partnerTenantId: partnerTenantId.toLowerCase(), customer, line: lineNumber });
        if (pending.length >= CHUNK_CUSTOMERS) {
          yield await planChunk(pending, partners, store, file, now);
          pending = [];
        }
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new SeedError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code}`]);
    }
    throw error;
  }
  if (pending.length > 0) yield await planChunk(pending, partners, store, file, now);
}

function parseLine(text: string, file: string, line: number): { partner: unknown } | { customer: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SeedError(file, [`line ${line}: not valid JSON (${(error as Error).message})`]);
  }
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  if (keys.length !== 1 || (keys[0] !== 'partner' && keys[0] !== 'customer')) {
    throw new SeedError(file, [`line ${line}: expected an object with exactly one key, "partner" or "customer"`]);
  }
  const entry = value as Record<string, unknown>;
  if (keys[0] === 'partner') {
    const problems = lineProblems('partner', entry.partner);
    if ((entry.partner as { customers?: unknown }).customers !== undefined) problems.push('$.partner.customers: put customers on their own lines');
    if (problems.length > 0) throw new SeedError(file, problems.map((problem) => `line ${line}: ${problem}`));
    return { partner: entry.partner };
  }
  const { partnerTenantId, ...customer } = (entry.customer ?? {}) as Record<string, unknown>;
  const problems = lineProblems('customer', customer);
  if (!isGuid(partnerTenantId)) problems.unshift('$.customer.partnerTenantId: must be a GUID (8-4-4-4-12 hexadecimal digits)');
  if (problems.length > 0) throw new SeedError(file, problems.map((problem) => `line ${line}: ${problem}`));
  return { customer: { partnerTenantId, ...customer } };
}

/** Plans one chunk of customers; their partners come without users and apps, which their own line planned. */
function planChunk(pending: PendingCustomer[], partners: Map<string, SeedPartner>, store: Store, file: string, now: Date): Promise<SeedPlan> {
  const byPartner = new Map<string, PendingCustomer[]>();
  for (const item of pending) byPartner.set(item.partnerTenantId, [...(byPartner.get(item.partnerTenantId) ?? []), item]);
  const groups = [...byPartner.entries()];
  const document: SeedDocument = {
    partners: groups.map(([tenantId, items]) => {
      const { users: _users, applications: _applications, ...partner } = partners.get(tenantId)!;
      return { ...partner, customers: items.map((item) => item.customer) };
    }),
  };
  return planDocument(document, store, file, now, (path) =>
    path.replace(/^\$\.partners\[(\d+)\]\.customers\[(\d+)\]/, (_match, p: string, c: string) => `line ${groups[Number(p)]![1][Number(c)]!.line}: $.customer`),
  );
}

async function planDocument(document: SeedDocument, store: Store, file: string, now: Date, relocate: (path: string) => string): Promise<SeedPlan> {
  try {
    return await planSeed(document, { now, source: file, existing: store });
  } catch (error) {
    if (error instanceof SeedError) throw new SeedError(file, error.problems.map(relocate));
    throw error;
  }
}
