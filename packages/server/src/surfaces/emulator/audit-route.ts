/**
 * GET /_pcapi/audit: the audit trail, filtered and paged (docs/configuration.md#audit-trail). Following
 * the trail (`after=`) with `waitMs` is a long poll: an empty answer waits until this process records
 * a matching event or `waitMs` passes, so the console's live view shows a call as soon as it is
 * answered instead of at its next poll.
 */
import type { FastifyInstance } from 'fastify';
import { setMaxListeners } from 'node:events';
import { setTimeout as pause } from 'node:timers/promises';
import { auditEventJson, parseAuditQuery, type RawAuditQuery } from '../../domain/audit-query.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import { GraphError } from '../graph/graph-errors.js';

export const MAX_AUDIT_WAIT_MS = 20_000;
/** After a wake that found nothing matching, the next look waits this long (a busy server wakes often). */
const LOOK_GAP_MS = 100;

export function registerAuditRoute(scope: FastifyInstance, trail: AuditTrail): void {
  // A stopping server answers its waiting calls now instead of holding its close for up to waitMs.
  const stopping = new AbortController();
  // One listener per waiting call: as many as there are watchers, not a leak.
  setMaxListeners(0, stopping.signal);
  scope.addHook('preClose', (done) => {
    stopping.abort();
    done();
  });

  scope.get('/audit', async (request, reply) => {
    const { waitMs: rawWait, ...filters } = request.query as RawAuditQuery & { waitMs?: string };
    const parsed = parseAuditQuery(filters);
    const problems = 'problems' in parsed ? [...parsed.problems] : [];
    const waitMs = rawWait === undefined || rawWait === '' ? 0 : /^\d{1,5}$/.test(rawWait) ? Number(rawWait) : NaN;
    if (!(waitMs >= 0 && waitMs <= MAX_AUDIT_WAIT_MS)) problems.push(`waitMs: a whole number from 0 to ${MAX_AUDIT_WAIT_MS}, not "${String(rawWait).slice(0, 20)}"`);
    else if (waitMs > 0 && !filters.after) problems.push('waitMs: only with after (waiting follows the trail forward)');
    if (problems.length || 'problems' in parsed) throw new GraphError('badRequest', `The audit query is not valid: ${problems.join('; ')}`);

    if (waitMs === 0) return { value: (await trail.query(parsed.query)).map(auditEventJson) };
    // Real time, not the emulated clock: this is how long a network call is held. A timer of our
    // own, not AbortSignal.timeout(), whose timer does not keep the process alive. Set up before the
    // first look, so a caller that leaves meanwhile is not waited for.
    const waited = new AbortController();
    const stop = () => waited.abort();
    const timer = setTimeout(stop, waitMs);
    reply.raw.once('close', stop);
    stopping.signal.addEventListener('abort', stop, { once: true });
    if (stopping.signal.aborted || request.raw.destroyed) stop();
    const done = waited.signal;
    let events;
    try {
      // Events recorded while a look is under way (or during the pause) count too: the look is
      // repeated at once when the trail's count moved since it began.
      let seen = trail.recordedCount;
      events = await trail.query(parsed.query);
      while (events.length === 0 && !done.aborted) {
        await trail.nextRecord(done, seen);
        seen = trail.recordedCount;
        events = await trail.query(parsed.query);
        if (events.length === 0) await pause(LOOK_GAP_MS, undefined, { signal: done }).catch(() => undefined);
      }
    } finally {
      clearTimeout(timer);
      reply.raw.removeListener('close', stop);
      stopping.signal.removeEventListener('abort', stop);
    }
    return { value: events.map(auditEventJson) };
  });
}
