/** Act: the clock, reset, export and import, injected faults (the emulator endpoints, as a test suite calls them). */
import { useState } from 'preact/hooks';
import { call, keyHeaders, PREFIX, type ClockView, type FaultRule } from '../api';
import { ErrorBox, Show, useLoad } from '../components';

function useAction(done: () => void): [string | null, string | null, (run: () => Promise<string>) => Promise<void>] {
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const run = async (action: () => Promise<string>) => {
    setError(null);
    setMessage(null);
    try {
      setMessage(await action());
      done();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return [error, message, run];
}

export function ActPage() {
  return (
    <>
      <h1>Act</h1>
      <ClockPanel />
      <DataPanel />
      <FaultsPanel />
    </>
  );
}

function ClockPanel() {
  const [clock, reload] = useLoad(() => call<ClockView>('/clock'), []);
  const [by, setBy] = useState('P30D');
  const [error, message, run] = useAction(reload);
  return (
    <section aria-labelledby="clock-heading">
      <h2 id="clock-heading">Clock</h2>
      <Show loaded={clock}>
        {(c) => <p data-testid="clock-now">Now: <strong>{c.now}</strong> {c.frozen ? '(frozen)' : '(running)'}{c.offsetMs !== 0 ? `, ${Math.round(c.offsetMs / 86_400_000)} days from the machine's time` : ''}</p>}
      </Show>
      <form class="row" onSubmit={(event) => { event.preventDefault(); void run(async () => `Moved to ${(await call<ClockView>('/clock/advance', { method: 'POST', body: { by } })).now}`); }}>
        <label>Advance by (ISO 8601 duration) <input name="by" value={by} onInput={(event) => setBy(event.currentTarget.value)} /></label>
        <button type="submit">Advance</button>
        <button type="button" onClick={() => void run(async () => `Back to real time: ${(await call<ClockView>('/clock', { method: 'DELETE' })).now}`)}>Real time</button>
      </form>
      {error && <ErrorBox error={error} />}
      {message && <p role="status">{message}</p>}
    </section>
  );
}

function DataPanel() {
  const [replace, setReplace] = useState(false);
  const [error, message, run] = useAction(() => undefined);
  const download = async () => {
    const response = await fetch(`${PREFIX}/export`, { headers: keyHeaders() });
    if (!response.ok) throw new Error(`export failed: ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: 'pcapi-export.seed.json' });
    link.click();
    URL.revokeObjectURL(url);
    return 'Exported pcapi-export.seed.json';
  };
  const importFile = async (file: File) => {
    const summary = await call<Record<string, unknown>>(`/import${replace ? '?replace=true' : ''}`, { method: 'POST', raw: await file.text() });
    return `Imported ${file.name}: ${JSON.stringify(summary)}`;
  };
  return (
    <section aria-labelledby="data-heading">
      <h2 id="data-heading">Data</h2>
      <div class="row">
        <button type="button" onClick={() => { if (confirm('Put the whole emulator back to its seed, the clock at real time, no faults?')) void run(async () => { await call('/reset', { method: 'POST', body: {} }); return 'Reset to the seed.'; }); }}>Reset</button>
        <button type="button" onClick={() => void run(download)}>Export</button>
        <label>Import a seed file <input type="file" accept=".json,application/json" onChange={(event) => { const file = event.currentTarget.files?.[0]; if (file) void run(() => importFile(file)); }} /></label>
        <label><input type="checkbox" checked={replace} onChange={(event) => setReplace(event.currentTarget.checked)} /> replace everything</label>
      </div>
      {error && <ErrorBox error={error} />}
      {message && <p role="status">{message}</p>}
    </section>
  );
}

function FaultsPanel() {
  const [faults, reload] = useLoad(() => call<{ value: FaultRule[] }>('/faults'), []);
  const [spec, setSpec] = useState({ route: 'GET /v1/customers/*/organization', status: '503', retryAfterSeconds: '5', count: '3', delayMs: '' });
  const [error, message, run] = useAction(reload);
  const add = async () => {
    const body: Record<string, unknown> = { route: spec.route };
    for (const name of ['status', 'retryAfterSeconds', 'count', 'delayMs'] as const) if (spec[name] !== '') body[name] = Number(spec[name]);
    const rule = await call<FaultRule>('/faults', { method: 'POST', body });
    return `Added fault ${rule.id}`;
  };
  const input = (name: keyof typeof spec, label: string) => (
    <label>{label} <input name={name} value={spec[name]} onInput={(event) => setSpec({ ...spec, [name]: event.currentTarget.value })} /></label>
  );
  return (
    <section aria-labelledby="faults-heading">
      <h2 id="faults-heading">Injected faults</h2>
      <form class="row" onSubmit={(event) => { event.preventDefault(); void run(add); }}>
        {input('route', 'Route')}{input('status', 'Status')}{input('retryAfterSeconds', 'Retry-After (s)')}{input('count', 'Times')}{input('delayMs', 'Delay (ms)')}
        <button type="submit">Add</button>
        <button type="button" onClick={() => void run(async () => `Cleared ${(await call<{ cleared: number }>('/faults', { method: 'DELETE' })).cleared} faults`)}>Clear all</button>
      </form>
      {error && <ErrorBox error={error} />}
      {message && <p role="status">{message}</p>}
      <Show loaded={faults}>
        {({ value }) => value.length === 0 ? <p class="muted">No fault injected.</p> : (
          <table>
            <thead><tr><th scope="col">Id</th><th scope="col">Route</th><th scope="col">Status</th><th scope="col">Delay</th><th scope="col">Left</th><th scope="col">Remove</th></tr></thead>
            <tbody>
              {value.map((rule) => (
                <tr key={rule.id}>
                  <td><code>{rule.id}</code></td><td>{rule.route}</td><td>{rule.status ?? '–'}</td><td>{rule.delayMs ?? '–'}</td><td>{rule.remaining ?? '∞'}</td>
                  <td><button type="button" onClick={() => void run(async () => { await call(`/faults/${rule.id}`, { method: 'DELETE' }); return `Removed ${rule.id}`; })}>Remove</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Show>
    </section>
  );
}
