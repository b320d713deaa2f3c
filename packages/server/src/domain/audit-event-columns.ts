/**
 * Audit events in columns, as the trail holds them until a flush and hands them to the store: times
 * in a Float64Array, request and correlation ids as bytes in a Buffer (36 bytes each, the stored
 * layout, so a store copies them in one go), subjects as references to objects that live long anyway.
 * Held as objects, a few thousand events a flush outlived two young-generation collections and were
 * promoted, and the old generation's collections (on the same core) cost the hot path more than
 * writing them did; built as objects at each flush, they cost a microsecond and a half an event.
 */
import type { AuditEvent, AuditSubject } from './audit.js';

/** A GUID's length: request ids always are; correlation ids are on every surface that sets them. */
export const ID_BYTES = 36;
/** Per event: the request id then the correlation id. */
export const ID_SLOT_BYTES = 2 * ID_BYTES;
/** The correlation id's first byte when there is none (never a GUID's). */
export const NO_CORRELATION = 0xff;

export interface UnusualIds {
  requestId: string;
  correlationId: string | null;
}

export class AuditEventColumns {
  private _times: Float64Array;
  private _ids: Buffer;
  private _subjects: AuditSubject[];
  /** Ids that are not 36 ASCII characters (none in practice), by position. */
  private readonly _unusual = new Map<number, UnusualIds>();
  private count = 0;

  constructor(private capacity = 4096) {
    this.capacity = Math.max(16, capacity);
    this._times = new Float64Array(this.capacity);
    // Zeroed: stores copy whole slots, and no byte of the process's memory may reach them.
    this._ids = Buffer.alloc(this.capacity * ID_SLOT_BYTES);
    this._subjects = new Array<AuditSubject>(this.capacity);
  }

  static of(events: readonly AuditEvent[]): AuditEventColumns {
    const columns = new AuditEventColumns(events.length);
    for (const event of events) columns.push(event.at, event.subject, event.requestId, event.correlationId);
    return columns;
  }

  get length(): number {
    return this.count;
  }

  /** Epoch ms by position (only the first `length` are events). */
  get times(): Float64Array {
    return this._times;
  }

  /** Request and correlation ids, ID_SLOT_BYTES a position; see `unusual` for ids that did not fit. */
  get ids(): Buffer {
    return this._ids;
  }

  get subjects(): readonly AuditSubject[] {
    return this._subjects;
  }

  get unusual(): ReadonlyMap<number, UnusualIds> {
    return this._unusual;
  }

  push(at: number, subject: AuditSubject, requestId: string, correlationId: string | null): void {
    if (this.count === this.capacity) this.grow();
    const position = this.count++;
    this._times[position] = at;
    this._subjects[position] = subject;
    const offset = position * ID_SLOT_BYTES;
    const written = writeAscii(this._ids, requestId, offset)
      && (correlationId === null ? ((this._ids[offset + ID_BYTES] = NO_CORRELATION), true) : writeAscii(this._ids, correlationId, offset + ID_BYTES));
    if (!written) {
      this._unusual.set(position, { requestId, correlationId });
      this._ids.fill(0, offset, offset + ID_SLOT_BYTES);
    }
  }

  /**
   * Empties these columns for reuse (the trail swaps two, so flushes allocate nothing): the id bytes
   * used are zeroed, so no earlier event's bytes reach a later batch.
   */
  clear(): void {
    this._ids.fill(0, 0, this.count * ID_SLOT_BYTES);
    this._subjects.fill(undefined as unknown as AuditSubject, 0, this.count);
    this._unusual.clear();
    this.count = 0;
  }

  /** Adds `other`'s events after these. */
  append(other: AuditEventColumns): void {
    while (this.capacity < this.count + other.count) this.grow();
    this._times.set(other._times.subarray(0, other.count), this.count);
    other._ids.copy(this._ids, this.count * ID_SLOT_BYTES, 0, other.count * ID_SLOT_BYTES);
    for (let position = 0; position < other.count; position++) this._subjects[this.count + position] = other._subjects[position]!;
    for (const [position, ids] of other._unusual) this._unusual.set(this.count + position, ids);
    this.count += other.count;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const times = new Float64Array(capacity);
    times.set(this._times);
    const ids = Buffer.alloc(capacity * ID_SLOT_BYTES);
    this._ids.copy(ids);
    this._times = times;
    this._ids = ids;
    this._subjects.length = capacity;
    this.capacity = capacity;
  }
}

/**
 * Writes an id of a GUID's length a byte each; false for anything else, which is then kept aside as
 * it is (a partial write is zeroed by the caller). Ids come from HTTP headers or are made here
 * (request-context.ts), so their characters are bytes already; the check is for ids built by other code.
 */
function writeAscii(target: Buffer, id: string, offset: number): boolean {
  if (id.length !== ID_BYTES) return false;
  // A byte at a time in JavaScript: cheaper for 36 bytes than a call into Buffer's native write.
  for (let index = 0; index < ID_BYTES; index++) {
    const code = id.charCodeAt(index);
    if (code > 0xff) return false;
    target[offset + index] = code;
  }
  return true;
}
