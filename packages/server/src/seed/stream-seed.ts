/**
 * Streamed seed files (JSON Lines, `.jsonl`/`.ndjson`) for datasets too large to hold in memory, such
 * as a million customers. Each line is `{"partner": {...}}` (without customers) or
 * `{"customer": {"partnerTenantId": "...", ...}}`; a partner's line comes before its customers. The
 * file is read once, planned in chunks, and imported in ONE transaction: a bad line anywhere changes
 * nothing, and every problem of the file is reported at once (up to MAX_PROBLEMS). Every message
 * names its line (`line 12: $.customer.tenantId: ...`); a key declared twice is refused wherever the
 * copies fall, through the import's claims (see import-conflicts.ts).
 */
import { createReadStream } from 'node:fs';
import { isGuid } from '@pcapi/contracts';
import { describeInvalidUtf8, describeJsonSyntaxError } from './json-syntax.js';
import { planEntries, type ExistingRows, type PartnerEntry } from './plan-seed.js';
import type { SeedCustomer, SeedPartner } from './seed-document.js';
import type { SeedPlan } from './seed-plan.js';
import { SeedError } from './seed-error.js';
import { lineProblems } from './validate-seed.js';

/** Customers per planned chunk: bounds memory while keeping batches large. */
const CHUNK_CUSTOMERS = 2000;
/** A longer line is not a seed line (a binary file, or one without line breaks). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

export function isStreamedSeedFile(file: string): boolean {
  return /\.(jsonl|ndjson)$/i.test(file);
}

interface CustomerLine { partnerTenantId: string; customer: SeedCustomer; line: number }

/** Problems collected before the import stops reading: a file this broken is not worth reading on. */
const MAX_PROBLEMS = 1000;

/**
 * A streamed file's plans, and how the import hands back the conflicts the store's check found in each.
 * The plans collect every problem of the file (each line's schema, the references of each chunk, the
 * conflicts handed back), and the iteration fails after the last line with all of them. From the first
 * problem on, each chunk is emptied of rows when its conflicts are handed back: the store checks it
 * (claims included) but applies nothing, and the transaction is rolled back at the end.
 */
export interface StreamedSeed {
  plans: AsyncIterable<SeedPlan>;
  /** The conflicts the store's check found in a chunk (called before the store applies it). */
  conflicts(plan: SeedPlan, problems: string[]): void;
}

/** With `collect: false` the first problem stops the import (a replacing import, which checks no conflicts). */
export function planStreamedSeed(existing: ExistingRows, file: string, now: Date, { collect = true } = {}): StreamedSeed {
  const problems: string[] = [];
  /** Chunks planned with problems: checked against the store, never applied. */
  const unsound = new WeakSet<SeedPlan>();
  const stop = (line?: number) => new SeedError(file, problems.length >= MAX_PROBLEMS
    ? [...problems, `... stopped reading${line === undefined ? '' : ` at line ${line}`} after ${problems.length} problems`]
    : problems);
  const note = (found: string[], line?: number) => {
    problems.push(...found);
    if (found.length > 0 && (!collect || problems.length >= MAX_PROBLEMS)) throw stop(line);
  };
  async function* plans(): AsyncIterable<SeedPlan> {
    const options = { now, source: file, existing };
    const partners = new Map<string, SeedPartner>();
    /** Partners whose line failed the schema: their customers' lines are checked alone. */
    const unplannable = new Set<string>();
    let pending: CustomerLine[] = [];
    let seenLine = false;
    const planned = async (entries: PartnerEntry[], line?: number) => {
      const { plan, problems: found } = await planEntries(entries, options);
      if (found.length > 0) unsound.add(plan);
      note(found, line);
      return plan;
    };
    const customerChunk = () => {
      const chunk = planned(chunkEntries(pending, partners));
      pending = [];
      return chunk;
    };
    for await (const { number, text } of readLines(file)) {
      if (text.trim() === '') continue;
      const parsed = parseLine(text, number);
      if (!seenLine && parsed.fatal) throw new SeedError(file, [...problems, ...parsed.problems]);
      seenLine = true;
      note(parsed.problems, number);
      const entry = parsed.entry;
      if (!entry) {
        if (parsed.partnerTenantId) unplannable.add(parsed.partnerTenantId);
        continue;
      }
      if ('partner' in entry) {
        if (pending.length > 0) yield await customerChunk();
        // A second line for the same partner is refused by the import, through its claims.
        partners.set(entry.partner.tenantId.toLowerCase(), entry.partner);
        yield await planned([{ partner: entry.partner, path: `line ${number}: $.partner`, line: number, declare: true, customers: [] }], number);
      } else {
        const { partnerTenantId, ...customer } = entry.customer;
        const partnerKey = partnerTenantId.toLowerCase();
        if (!partners.has(partnerKey)) {
          if (!unplannable.has(partnerKey)) note([`line ${number}: $.customer.partnerTenantId: no partner ${partnerTenantId} on an earlier line (a partner's line must come before its customers)`], number);
          continue;
        }
        pending.push({ partnerTenantId: partnerKey, customer, line: number });
        if (pending.length >= CHUNK_CUSTOMERS) yield await customerChunk();
      }
    }
    if (pending.length > 0) yield await customerChunk();
    if (problems.length > 0) throw stop();
  }
  return {
    plans: plans(),
    conflicts(plan, found) {
      // Once the file has a problem nothing more is applied: later chunks are checked, never written.
      if (found.length > 0 || unsound.has(plan) || problems.length > 0) emptyRows(plan);
      note(found);
    },
  };
}

/** Leaves a chunk's claims (the store has recorded them) and drops its rows, so applying it writes nothing. */
function emptyRows(plan: SeedPlan): void {
  for (const rows of [plan.partners, plan.principals, plan.groups, plan.memberOf, plan.customers, plan.customerUsers, plan.partnerCustomers, plan.relationships, plan.assignments, plan.consents]) {
    rows.length = 0;
  }
}

/** Customer lines grouped by partner, in order of first appearance; their partners are not planned again. */
function chunkEntries(lines: CustomerLine[], partners: Map<string, SeedPartner>): PartnerEntry[] {
  const entries = new Map<string, PartnerEntry>();
  for (const { partnerTenantId, customer, line } of lines) {
    let entry = entries.get(partnerTenantId);
    if (!entry) {
      entry = { partner: partners.get(partnerTenantId)!, path: '$.partner', declare: false, customers: [] };
      entries.set(partnerTenantId, entry);
    }
    entry.customers.push({ customer, path: `line ${line}: $.customer`, line });
  }
  return [...entries.values()];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The file's lines, numbered from 1, split on line feeds at the byte level and decoded as strict
 * UTF-8: a stray byte is refused with its line and column, never read as U+FFFD.
 */
async function* readLines(file: string): AsyncIterable<{ number: number; text: string }> {
  const stream = createReadStream(file);
  let partial: Buffer[] = [];
  let partialLength = 0;
  let number = 0;
  const decode = (bytes: Buffer): { number: number; text: string } => {
    number++;
    const line = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    let text: string;
    try {
      text = utf8.decode(line);
    } catch {
      throw new SeedError(file, [`line ${number}: ${describeInvalidUtf8(line, number) ?? 'not UTF-8 text'}`]);
    }
    return { number, text: number === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, end);
        yield decode(partial.length > 0 ? Buffer.concat([...partial, piece]) : piece);
        partial = [];
        partialLength = 0;
        start = end + 1;
      }
      if (start < chunk.length) {
        partial.push(chunk.subarray(start));
        partialLength += chunk.length - start;
        if (partialLength > MAX_LINE_BYTES) {
          throw new SeedError(file, [`line ${number + 1}: longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB; is this a JSON Lines seed file?`]);
        }
      }
    }
    if (partialLength > 0) yield decode(Buffer.concat(partial));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') throw new SeedError(file, [`cannot read the file: ${code}`]);
    throw error;
  } finally {
    stream.destroy();
  }
}

type Line = { partner: SeedPartner } | { customer: SeedCustomer & { partnerTenantId: string } };

/**
 * One line parsed and schema-checked: its entry when sound, else its problems (with the partner tenant
 * id of a partner line that failed, so its customers are not reported as orphans). `fatal`: the line is
 * not a JSON object with one key, which on a file's first line means it is not a seed file at all.
 */
function parseLine(text: string, line: number): { entry?: Line; problems: string[]; partnerTenantId?: string; fatal?: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problems: [`line ${line}: ${describeJsonSyntaxError(text, line)}`], fatal: true };
  }
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  if (keys.length !== 1 || (keys[0] !== 'partner' && keys[0] !== 'customer')) {
    return { problems: [`line ${line}: expected an object with exactly one key, "partner" or "customer"`], fatal: true };
  }
  const entry = value as Record<string, unknown>;
  if (keys[0] === 'partner') {
    const problems = lineProblems('partner', entry.partner);
    if ((entry.partner as { customers?: unknown } | null)?.customers !== undefined) problems.push('$.partner.customers: put customers on their own lines');
    if (problems.length > 0) {
      const tenantId = (entry.partner as { tenantId?: unknown } | null)?.tenantId;
      return { problems: problems.map((problem) => `line ${line}: ${problem}`), ...(isGuid(tenantId) ? { partnerTenantId: tenantId.toLowerCase() } : {}) };
    }
    return { entry: { partner: entry.partner as SeedPartner }, problems: [] };
  }
  const { partnerTenantId, ...customer } = (entry.customer ?? {}) as Record<string, unknown>;
  const problems = lineProblems('customer', customer);
  if (!isGuid(partnerTenantId)) problems.unshift('$.customer.partnerTenantId: must be a GUID (8-4-4-4-12 hexadecimal digits)');
  if (problems.length > 0) return { problems: problems.map((problem) => `line ${line}: ${problem}`) };
  return { entry: { customer: { partnerTenantId: partnerTenantId as string, ...(customer as unknown as SeedCustomer) } }, problems: [] };
}
