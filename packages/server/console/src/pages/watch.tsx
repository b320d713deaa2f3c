/**
 * Watch: the calls as the audit trail records them, newest first, filtered by the server. Each look
 * at the trail waits on the server (waitMs) until a call is recorded, so a call shows as it is
 * answered; calls other processes record (a shared store) show within WAIT_MS.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call, query, type AuditEvent } from '../api';
import { Badge, ErrorBox, formatTime, Id } from '../components';
import { href } from '../route';

const WAIT_MS = 500;
/** Looks start at least this far apart (a busy server has new calls at every look). */
const LOOK_GAP_MS = 100;
const RETRY_MS = 1000;
const KEPT = 500;
const FILTERS = ['outcome', 'surface', 'customer', 'principal', 'requestId'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

export function WatchPage({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Filters;
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const newest = useRef(0);
  const key = params.toString();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    newest.current = 0;
    setEvents([]);
    const poll = async (first: boolean) => {
      const startedAt = performance.now();
      let wait = RETRY_MS;
      try {
        const found = await call<{ value: AuditEvent[] }>(`/audit${query({ ...filters, limit: first ? 100 : 1000, after: first ? undefined : newest.current, waitMs: first ? undefined : WAIT_MS })}`);
        if (stopped) return;
        // The first page comes newest first; following the trail (after=) comes oldest first.
        const fresh = first ? found.value : [...found.value].reverse();
        if (fresh.length > 0) {
          newest.current = Math.max(newest.current, ...fresh.map((event) => event.id));
          setEvents((previous) => [...fresh, ...previous].slice(0, KEPT));
        }
        setError(null);
        wait = Math.max(0, startedAt + LOOK_GAP_MS - performance.now());
      } catch (failure) {
        if (!stopped) setError((failure as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(false), wait);
    };
    if (!paused) void poll(true);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, paused]);
  const set = (name: keyof Filters, value: string) => {
    location.hash = href('watch', { ...filters, [name]: value });
  };
  return (
    <>
      <h1>Watch</h1>
      <form class="row" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <label>Outcome <select name="outcome" value={filters.outcome} onChange={(event) => set('outcome', event.currentTarget.value)}>
          <option value="">any</option>{['allowed', 'denied', 'refused', 'failed'].map((o) => <option key={o}>{o}</option>)}
        </select></label>
        <label>Surface <select name="surface" value={filters.surface} onChange={(event) => set('surface', event.currentTarget.value)}>
          <option value="">any</option>{['partner-center', 'identity', 'graph', 'emulator'].map((o) => <option key={o}>{o}</option>)}
        </select></label>
        {(['customer', 'principal', 'requestId'] as const).map((name) => (
          <label key={name}>{name === 'requestId' ? 'Request or correlation id' : name[0]!.toUpperCase() + name.slice(1)}{' '}
            <input name={name} value={filters[name]} onChange={(event) => set(name, event.currentTarget.value.trim())} />
          </label>
        ))}
        <button type="button" onClick={() => setPaused(!paused)} aria-pressed={paused}>{paused ? 'Resume' : 'Pause'}</button>
      </form>
      {error && <ErrorBox error={error} />}
      <p class="muted" role="status">{paused ? 'Paused.' : `Live: ${events.length} calls shown, newest first.`}</p>
      <table data-testid="calls">
        <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Operation</th><th scope="col">Caller</th><th scope="col">Customer</th><th scope="col">Failed check</th><th scope="col">Request id</th><th scope="col">Correlation id</th></tr></thead>
        <tbody>
          {events.length === 0 && <tr><td colSpan={8} class="muted">No call yet: calls show here as pcapi answers them.</td></tr>}
          {events.map((event) => <Row key={event.id} event={event} />)}
        </tbody>
      </table>
    </>
  );
}

function Row({ event }: { event: AuditEvent }) {
  const failed = event.reasons.filter((reason) => !reason.startsWith('passed: ')).map((reason) => reason.replace(/^failed: /, ''));
  return (
    <tr data-request-id={event.requestId}>
      <td class="small">{formatTime(event.at)}</td>
      <td><Badge text={event.status} /> <span class="small">{event.outcome}</span></td>
      <td class="small">{event.surface}: {event.operation}</td>
      <td>{event.principalName ?? <Id value={event.principalId} />}</td>
      <td>{event.customerTenantId ? <a href={href('customers', event.customerTenantId)}><Id value={event.customerTenantId} /></a> : '–'}</td>
      <td class="small">{event.code && <code>{event.code}</code>} {failed.join('; ')}
        {event.outcome === 'denied' && event.customerTenantId && event.principalName && (
          <> <a href={href('why', { principal: event.principalName.includes('@') ? event.principalName : event.principalId ?? '', partner: event.partnerTenantId ?? '', customer: event.customerTenantId })}>why?</a></>
        )}
      </td>
      <td><code class="id">{event.requestId}</code></td>
      <td><Id value={event.correlationId} /></td>
    </tr>
  );
}
