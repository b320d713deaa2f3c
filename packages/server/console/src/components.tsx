/** Small pieces every page uses: loading and error states, status badges, ids. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ready'; value: T };

/** Runs `load` when `deps` change; `reload` runs it again. A late answer to an old request is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded((previous) => (previous.state === 'ready' ? previous : { state: 'loading' }));
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (error: Error) => current && setLoaded({ state: 'error', error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return [loaded, useCallback(() => setRound((n) => n + 1), [])];
}

export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <p class="muted" role="status">Loading…</p>;
  if (loaded.state === 'error') return <ErrorBox error={loaded.error} />;
  return <>{children(loaded.value)}</>;
}

export function ErrorBox({ error }: { error: Error | string }) {
  return <p class="error" role="alert">{typeof error === 'string' ? error : error.message}</p>;
}

const TONES: Record<string, string> = {
  active: 'good', allowed: 'good', succeeded: 'good', approved: 'good',
  expired: 'bad', terminated: 'bad', denied: 'bad', failed: 'bad', terminating: 'warn', deleted: 'bad',
  approvalPending: 'warn', created: 'neutral', activating: 'warn', pending: 'warn', refused: 'warn',
};

export function Badge({ text }: { text: string | number }) {
  const tone = typeof text === 'number' ? (text < 300 ? 'good' : text < 500 ? 'bad' : 'warn') : TONES[text] ?? 'neutral';
  return <span class={`badge ${tone}`}>{text}</span>;
}

/** A GUID, shortened on screen; the whole id in the title and for copying. */
export function Id({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">–</span>;
  return <code class="id" title={value}>{value.length > 13 ? `${value.slice(0, 8)}…` : value}</code>;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
