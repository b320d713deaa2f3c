/** pcapi's web console: browse the data, ask why, watch the calls, act on the emulator. */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { adminKey, ApiError, call } from './api';
import { useRoute, href } from './route';
import { BrowsePage } from './pages/browse';
import { PartnerPage } from './pages/partner';
import { CustomerPage } from './pages/customer';
import { WhyPage } from './pages/why';
import { WatchPage } from './pages/watch';
import { ActPage } from './pages/act';
import { ErrorBox, useLoad } from './components';

const NAV = [
  { part: '', label: 'Browse' },
  { part: 'why', label: 'Ask why' },
  { part: 'watch', label: 'Watch' },
  { part: 'act', label: 'Act' },
];

function Page() {
  const { parts, params } = useRoute();
  const [first = '', id] = parts;
  if (first === 'partners' && id) return <PartnerPage id={id} focus={params.get('focus')} from={Number(params.get('from') ?? 0) || 0} />;
  if (first === 'customers' && id) return <CustomerPage id={id} />;
  if (first === 'why') return <WhyPage params={params} />;
  if (first === 'watch') return <WatchPage params={params} />;
  if (first === 'act') return <ActPage />;
  return <BrowsePage />;
}

function App() {
  const { parts } = useRoute();
  const section = parts[0] === 'partners' || parts[0] === 'customers' ? '' : parts[0] ?? '';
  // The server answers 401 when it was started with --emulator-key and this tab has not given it.
  const [access, retry] = useLoad(() => call('/clock').then(() => 'ok' as const, (error: Error) => {
    if (error instanceof ApiError && error.status === 401) return 'key' as const;
    throw error;
  }), []);
  return (
    <>
      <header>
        <a class="brand" href={href()}>pcapi console</a>
        <nav aria-label="Console">
          <ul>
            {NAV.map(({ part, label }) => (
              <li key={part}><a href={href(...(part ? [part] : []))} aria-current={section === part ? 'page' : undefined}>{label}</a></li>
            ))}
          </ul>
        </nav>
      </header>
      <main>
        {access.state === 'error' && <ErrorBox error={access.error} />}
        {access.state === 'ready' && access.value === 'key' && <KeyForm done={retry} />}
        {access.state === 'ready' && access.value === 'ok' && <Page />}
      </main>
    </>
  );
}

function KeyForm({ done }: { done: () => void }) {
  const [key, setKey] = useState('');
  return (
    <form class="stack" onSubmit={(event) => { event.preventDefault(); adminKey.set(key); done(); }}>
      <h1>Admin key</h1>
      <p>This pcapi was started with <code>--emulator-key</code>: give the key to use the console (kept in this tab only).</p>
      <label>Key <input type="password" name="key" value={key} onInput={(event) => setKey(event.currentTarget.value)} autoComplete="off" /></label>
      <button type="submit">Continue</button>
    </form>
  );
}

render(<App />, document.getElementById('app')!);
