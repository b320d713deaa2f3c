/**
 * How both stores keep the audit trail's events: one row per flushed batch, its events packed in a
 * binary column (time, subject id, index, request and correlation ids), so a batch of thousands costs
 * one insert. Subjects (who, what, outcome) are rows of their own, shared by the events that repeat
 * them. An event's id is its batch's id × 65,536 + its index in the batch: ids grow with recording and
 * stay the same when pruning rewrites a batch. Queries read batches newest first (or, following the
 * trail, oldest first after an id), narrow by subject, time and ids here, and stop at the limit.
 */
import { endianness } from 'node:os';
import type { AuditQuery, AuditSubject, StoredAuditEvent } from '../domain/audit.js';
import { ID_BYTES, ID_SLOT_BYTES, NO_CORRELATION, type AuditEventColumns } from '../domain/audit-event-columns.js';
import { SUBJECT_COLUMNS } from './audit-sql.js';
import type { Row } from './rows.js';

export const EVENTS_PER_BATCH = 65_536;

/** Reusable packing memory (packColumns). */
export interface PackScratch {
  memory: ArrayBuffer;
}
/** Per event: at (f64), subject id (u32), index (u16), request id and correlation id (36 bytes each). */
const EVENT_BYTES = 8 + 4 + 2 + 2 * ID_BYTES;

export interface PackedEvent {
  at: number;
  subjectId: number;
  index: number;
  requestId: string;
  correlationId: string | null;
}

/** A batch row as stores write and read it. */
export interface AuditBatch {
  id?: number;
  minAt: number;
  maxAt: number;
  count: number;
  events: Buffer;
  /** The distinct subject ids its events use (JSON array). */
  subjectIds: string;
  /** Ids that are not 36 ASCII characters, by index (JSON object), or null. */
  oddIds: string | null;
}

export function packEvents(events: PackedEvent[]): Omit<AuditBatch, 'id'> {
  const count = events.length;
  const buffer = Buffer.alloc(count * EVENT_BYTES);
  const subjects = new Set<number>();
  const odd: Record<number, [string, string | null]> = {};
  let minAt = Infinity;
  let maxAt = -Infinity;
  const idsAt = count * 14;
  events.forEach((event, position) => {
    buffer.writeDoubleLE(event.at, position * 8);
    buffer.writeUInt32LE(event.subjectId, count * 8 + position * 4);
    buffer.writeUInt16LE(event.index, count * 12 + position * 2);
    const offset = idsAt + position * 2 * ID_BYTES;
    if (isPlain(event.requestId) && (event.correlationId === null || isPlain(event.correlationId))) {
      buffer.write(event.requestId, offset, ID_BYTES, 'latin1');
      if (event.correlationId === null) buffer[offset + ID_BYTES] = NO_CORRELATION;
      else buffer.write(event.correlationId, offset + ID_BYTES, ID_BYTES, 'latin1');
    } else {
      odd[event.index] = [event.requestId, event.correlationId];
    }
    subjects.add(event.subjectId);
    if (event.at < minAt) minAt = event.at;
    if (event.at > maxAt) maxAt = event.at;
  });
  return { minAt, maxAt, count, events: buffer, subjectIds: JSON.stringify([...subjects]), oddIds: Object.keys(odd).length ? JSON.stringify(odd) : null };
}

export function unpackEvents(batch: Pick<AuditBatch, 'count' | 'events' | 'oddIds'>): PackedEvent[] {
  const { count, events: buffer } = batch;
  const odd = batch.oddIds ? (JSON.parse(batch.oddIds) as Record<number, [string, string | null]>) : {};
  const idsAt = count * 14;
  const events: PackedEvent[] = new Array(count);
  for (let position = 0; position < count; position++) {
    const index = buffer.readUInt16LE(count * 12 + position * 2);
    const offset = idsAt + position * 2 * ID_BYTES;
    const given = odd[index];
    events[position] = {
      at: buffer.readDoubleLE(position * 8),
      subjectId: buffer.readUInt32LE(count * 8 + position * 4),
      index,
      requestId: given ? given[0] : buffer.toString('latin1', offset, offset + ID_BYTES),
      correlationId: given ? given[1] : buffer[offset + ID_BYTES] === NO_CORRELATION ? null : buffer.toString('latin1', offset + ID_BYTES, offset + 2 * ID_BYTES),
    };
  }
  return events;
}

/** Ids are GUIDs (request-context.ts gives every request one): 36 characters written a byte each; others go aside. */
function isPlain(id: string): boolean {
  if (id.length !== ID_BYTES) return false;
  for (let index = 0; index < ID_BYTES; index++) if (id.charCodeAt(index) > 0x7e) return false;
  return true;
}

/** A store's side of the audit trail: rows in, rows out; the rules of reading them are here. */
export interface AuditBatchRows {
  /** Subject ids matching the query's subject filters; undefined when it has none. */
  subjectIdsMatching(where: string[], values: unknown[]): Promise<Set<number> | undefined>;
  subjectsByIds(ids: number[]): Promise<Map<number, Row>>;
  /** Batches by id, `DESC` before an id or `ASC` after one, at most `limit`. */
  batches(order: 'ASC' | 'DESC', boundary: number | undefined, limit: number): Promise<AuditBatch[]>;
}

const BATCHES_PER_READ = 16;

export function subjectFilters(query: AuditQuery): { where: string[]; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, ...bound: unknown[]) => {
    where.push(clause);
    values.push(...bound);
  };
  if (query.partnerTenantId !== undefined) add('partner_tenant_id = ?', query.partnerTenantId.toLowerCase());
  if (query.customerTenantId !== undefined) add('customer_tenant_id = ?', query.customerTenantId.toLowerCase());
  if (query.principal !== undefined) add('(principal_id = ? OR lower(principal_name) = ?)', query.principal.toLowerCase(), query.principal.toLowerCase());
  if (query.outcome !== undefined) add('outcome = ?', query.outcome);
  if (query.surface !== undefined) add('surface = ?', query.surface);
  return { where, values };
}

export async function queryAuditBatches(rows: AuditBatchRows, query: AuditQuery): Promise<StoredAuditEvent[]> {
  const { where, values } = subjectFilters(query);
  const subjects = await rows.subjectIdsMatching(where, values);
  if (subjects && subjects.size === 0) return [];
  const forward = query.afterId !== undefined;
  const cursor = forward ? query.afterId! : query.beforeId;
  const found: { id: number; event: PackedEvent }[] = [];
  let boundary = cursor === undefined ? undefined : Math.floor(cursor / EVENTS_PER_BATCH) + (forward ? 0 : 1);
  if (forward && boundary !== undefined) boundary -= 1;
  reading: for (;;) {
    const batches = await rows.batches(forward ? 'ASC' : 'DESC', boundary, BATCHES_PER_READ);
    for (const batch of batches) {
      boundary = batch.id!;
      if (query.from !== undefined && batch.maxAt < query.from) continue;
      if (query.to !== undefined && batch.minAt >= query.to) continue;
      const events = unpackEvents(batch);
      if (!forward) events.reverse();
      for (const event of events) {
        const id = batch.id! * EVENTS_PER_BATCH + event.index;
        if (cursor !== undefined && (forward ? id <= cursor : id >= cursor)) continue;
        if (subjects && !subjects.has(event.subjectId)) continue;
        if (query.from !== undefined && event.at < query.from) continue;
        if (query.to !== undefined && event.at >= query.to) continue;
        if (query.requestId !== undefined && event.requestId !== query.requestId && event.correlationId !== query.requestId) continue;
        found.push({ id, event });
        if (found.length >= query.limit) break reading;
      }
    }
    if (batches.length < BATCHES_PER_READ) break;
  }
  const subjectRows = await rows.subjectsByIds([...new Set(found.map(({ event }) => event.subjectId))]);
  return found.flatMap(({ id, event }) => {
    const subject = subjectRows.get(event.subjectId);
    return subject ? [storedEvent(id, event, subject)] : [];
  });
}

function storedEvent(id: number, event: PackedEvent, row: Row): StoredAuditEvent {
  return {
    id, at: event.at,
    surface: row.surface as StoredAuditEvent['surface'],
    operation: row.operation as string,
    status: Number(row.status),
    outcome: row.outcome as StoredAuditEvent['outcome'],
    code: (row.code as string | null) ?? null,
    partnerTenantId: (row.partner_tenant_id as string | null) ?? null,
    principalId: (row.principal_id as string | null) ?? null,
    principalName: (row.principal_name as string | null) ?? null,
    principalKind: (row.principal_kind as StoredAuditEvent['principalKind']) ?? null,
    customerTenantId: (row.customer_tenant_id as string | null) ?? null,
    reasons: row.reasons ? (JSON.parse(row.reasons as string) as string[]) : [],
    requestId: event.requestId,
    correlationId: event.correlationId,
  };
}

/** A subject row's values, for the SELECTs that read them back. */
export const SUBJECT_SELECT = `id, ${SUBJECT_COLUMNS.join(', ')}`;

/** What pruning needs to know of a batch without reading its events. */
export type BatchMeta = Pick<AuditBatch, 'minAt' | 'maxAt' | 'count'> & { id: number };

export interface PruningPlan {
  deleteIds: number[];
  /** Batches on the edge, rewritten with their events recorded at or after `from`, the newest `keep` of them. */
  trims: { id: number; from: number | undefined; keep: number }[];
}

/**
 * Which batches pruning deletes, and which it trims: none recorded before `recordedBefore`; the newest
 * `keepNewest` overall (with `wholeBatches` and no `recordedBefore`, the batch holding the limit kept whole).
 */
export function planPruning(batches: BatchMeta[], pruning: { recordedBefore?: number; keepNewest?: number; wholeBatches?: boolean }): PruningPlan {
  const plan: PruningPlan = { deleteIds: [], trims: [] };
  const cut = pruning.recordedBefore;
  let kept = 0;
  // Newest first: the count is of the newest events kept.
  for (const batch of [...batches].sort((a, b) => b.id - a.id)) {
    const room = pruning.keepNewest === undefined ? Infinity : pruning.keepNewest - kept;
    if (room <= 0 || (cut !== undefined && batch.maxAt < cut)) {
      plan.deleteIds.push(batch.id);
    } else if ((cut !== undefined && batch.minAt < cut) || (batch.count > room && !(pruning.wholeBatches && cut === undefined))) {
      plan.trims.push({ id: batch.id, from: cut, keep: Math.min(room, batch.count) });
      kept += Math.min(room, batch.count);
    } else {
      kept += batch.count;
    }
  }
  return plan;
}

/** A trimmed batch's events: those recorded at or after `from`, the newest `keep` of them. */
export function trimEvents(batch: Pick<AuditBatch, 'count' | 'events' | 'oddIds'>, trim: { from: number | undefined; keep: number }): PackedEvent[] {
  const young = unpackEvents(batch).filter((event) => trim.from === undefined || event.at >= trim.from);
  return young.slice(Math.max(0, young.length - trim.keep));
}

/**
 * Packs events `start` to `end` of a flushed batch: times and ids copied as they are held, subject ids
 * from `idOf`, indexes in order of recording. No object is made per event.
 */
export function packColumns(
  columns: AuditEventColumns, start: number, end: number, idOf: (subject: AuditSubject) => number,
  /** Memory to pack into when large enough, for a store that copies the batch before the next one (SQLite binds blobs as copies). */
  scratch?: PackScratch,
): Omit<AuditBatch, 'id'> {
  const count = end - start;
  // An ArrayBuffer of its own (offset 0), so the typed views below are aligned.
  let memory: ArrayBuffer;
  if (scratch) {
    if (scratch.memory.byteLength < count * EVENT_BYTES) scratch.memory = new ArrayBuffer(count * EVENT_BYTES);
    memory = scratch.memory;
  } else {
    memory = new ArrayBuffer(count * EVENT_BYTES);
  }
  // Reused memory is overwritten whole below: times, subject ids, indexes, then the id slots as held.
  const buffer = Buffer.from(memory, 0, count * EVENT_BYTES);
  const times = new Float64Array(buffer.buffer, 0, count);
  times.set(columns.times.subarray(start, end));
  const subjectIds = new Uint32Array(buffer.buffer, count * 8, count);
  const indexes = new Uint16Array(buffer.buffer, count * 12, count);
  const held = columns.subjects;
  const subjects = new Set<number>();
  let minAt = Infinity;
  let maxAt = -Infinity;
  let lastSubject: AuditSubject | undefined;
  let lastId = 0;
  for (let position = 0; position < count; position++) {
    const at = times[position]!;
    if (at < minAt) minAt = at;
    if (at > maxAt) maxAt = at;
    const subject = held[start + position]!;
    // Calls come in runs of the same subject often enough to skip a lookup.
    if (subject !== lastSubject) {
      lastSubject = subject;
      lastId = idOf(subject);
      subjects.add(lastId);
    }
    subjectIds[position] = lastId;
    indexes[position] = position;
  }
  // The stored layout is little-endian; typed arrays use the machine's order.
  if (BIG_ENDIAN) {
    buffer.subarray(0, count * 8).swap64();
    buffer.subarray(count * 8, count * 12).swap32();
    buffer.subarray(count * 12, count * 14).swap16();
  }
  columns.ids.copy(buffer, count * 14, start * ID_SLOT_BYTES, end * ID_SLOT_BYTES);
  let odd: Record<number, [string, string | null]> | undefined;
  for (const [position, ids] of columns.unusual) {
    if (position < start || position >= end) continue;
    (odd ??= {})[position - start] = [ids.requestId, ids.correlationId];
  }
  return { minAt, maxAt, count, events: buffer, subjectIds: JSON.stringify([...subjects]), oddIds: odd ? JSON.stringify(odd) : null };
}

const BIG_ENDIAN = endianness() === 'BE';
