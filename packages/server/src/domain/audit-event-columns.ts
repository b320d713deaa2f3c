/**
 * Audit events waiting for the next flush, kept where the garbage collector does not look: times in a
 * Float64Array, request and correlation ids as bytes in a Buffer, subjects as references to objects
 * that live long anyway. Held as objects, a few thousand events a flush outlived two young-generation
 * collections and were promoted, and the old generation's collections (on the same core) cost the
 * hot path more than writing them did. Objects are made only when a batch is taken for the store.
 */
import type { AuditEvent, AuditSubject } from '../domain/audit.js';

/** A GUID's length: request ids always are; correlation ids are on every surface that sets them. */
const ID_BYTES = 36;
const SLOT_BYTES = 2 * ID_BYTES;
const NO_CORRELATION = 0xff;

export class PendingAuditEvents {
  private times: Float64Array;
  private ids: Buffer;
  private subjects: AuditSubject[];
  /** Ids that are not 36 ASCII characters (none in practice), by slot. */
  private readonly unusual = new Map<number, { requestId: string; correlationId: string | null }>();
  private count = 0;

  constructor(private capacity = 4096) {
    this.times = new Float64Array(capacity);
    this.ids = Buffer.allocUnsafe(capacity * SLOT_BYTES);
    this.subjects = new Array<AuditSubject>(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(at: number, subject: AuditSubject, requestId: string, correlationId: string | null): void {
    if (this.count === this.capacity) this.grow();
    const slot = this.count++;
    this.times[slot] = at;
    this.subjects[slot] = subject;
    const offset = slot * SLOT_BYTES;
    if (fits(requestId) && (correlationId === null || fits(correlationId))) {
      this.ids.write(requestId, offset, ID_BYTES, 'latin1');
      if (correlationId === null) this.ids[offset + ID_BYTES] = NO_CORRELATION;
      else this.ids.write(correlationId, offset + ID_BYTES, ID_BYTES, 'latin1');
    } else {
      this.unusual.set(slot, { requestId, correlationId });
    }
  }

  /** Every pending event as objects, oldest first; the buffer is empty after. */
  take(): AuditEvent[] {
    const events = new Array<AuditEvent>(this.count);
    for (let slot = 0; slot < this.count; slot++) {
      const offset = slot * SLOT_BYTES;
      const odd = this.unusual.get(slot);
      events[slot] = {
        at: this.times[slot]!,
        subject: this.subjects[slot]!,
        requestId: odd ? odd.requestId : this.ids.toString('latin1', offset, offset + ID_BYTES),
        correlationId: odd ? odd.correlationId : this.ids[offset + ID_BYTES] === NO_CORRELATION ? null : this.ids.toString('latin1', offset + ID_BYTES, offset + SLOT_BYTES),
      };
    }
    this.subjects.fill(undefined as unknown as AuditSubject, 0, this.count);
    this.unusual.clear();
    this.count = 0;
    return events;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const times = new Float64Array(capacity);
    times.set(this.times);
    const ids = Buffer.allocUnsafe(capacity * SLOT_BYTES);
    this.ids.copy(ids);
    this.times = times;
    this.ids = ids;
    this.subjects.length = capacity;
    this.capacity = capacity;
  }
}

/**
 * Ids are GUIDs (request-context.ts makes every request's, and the correlation id, one): 36 ASCII
 * characters, one byte each. Anything else is kept aside as it is.
 */
function fits(id: string): boolean {
  return id.length === ID_BYTES && id.charCodeAt(8) === 0x2d && id.charCodeAt(35) < 0x80;
}
