/** Ask why: a principal and a customer (and optionally an instant) → the decision with every check, as the server decides. */
import { useEffect, useState } from 'preact/hooks';
import { call, query, type Explanation, type PartnerSummary } from '../api';
import { Badge, ErrorBox, useLoad } from '../components';
import { href } from '../route';

interface Question { principal: string; partner: string; customer: string; at: string }

export function WhyPage({ params }: { params: URLSearchParams }) {
  const asked: Question = { principal: params.get('principal') ?? '', partner: params.get('partner') ?? '', customer: params.get('customer') ?? '', at: params.get('at') ?? '' };
  const [form, setForm] = useState(asked);
  useEffect(() => setForm(asked), [params.toString()]);
  const [partners] = useLoad(() => call<{ value: PartnerSummary[] }>('/console/api/partners'), []);
  const [answer, setAnswer] = useState<{ explanation?: Explanation; error?: string } | null>(null);
  const complete = asked.principal !== '' && asked.customer !== '';
  useEffect(() => {
    if (!complete) return setAnswer(null);
    let current = true;
    const at = asked.at ? new Date(asked.at).toISOString() : undefined;
    call<Explanation>(`/console/api/explain${query({ principal: asked.principal, partner: asked.partner, customer: asked.customer, at })}`).then(
      (explanation) => current && setAnswer({ explanation }),
      (error: Error) => current && setAnswer({ error: error.message }),
    );
    return () => {
      current = false;
    };
  }, [params.toString()]);
  const field = (name: keyof Question) => ({ name, value: form[name], onInput: (event: Event) => setForm({ ...form, [name]: (event.currentTarget as HTMLInputElement).value }) });
  return (
    <>
      <h1>Ask why</h1>
      <form class="stack" onSubmit={(event) => { event.preventDefault(); location.hash = href('why', { ...form }); }}>
        <label>Principal (user principal name or app client id) <input {...field('principal')} required placeholder="admin@fabrikam.example" /></label>
        <label>Partner (for a client id) <select {...field('partner')} onChange={field('partner').onInput}>
          <option value="">from the user's domain</option>
          {partners.state === 'ready' && partners.value.value.map((p) => <option key={p.tenantId} value={p.tenantId}>{p.displayName}</option>)}
        </select></label>
        <label>Customer tenant id <input {...field('customer')} required placeholder="00000000-0000-0000-0000-000000000000" /></label>
        <label>At (optional; the server clock's now when empty) <input type="datetime-local" step="1" {...field('at')} /></label>
        <button type="submit">Decide</button>
      </form>
      {answer?.error && <ErrorBox error={answer.error} />}
      {answer?.explanation && <Decision explanation={answer.explanation} />}
    </>
  );
}

function Decision({ explanation: e }: { explanation: Explanation }) {
  const principal = typeof e.principal === 'string' ? null : e.principal;
  return (
    <section class={`decision ${e.allowed ? 'allowed' : 'denied'}`} aria-labelledby="decision-heading" data-testid="decision">
      <h2 id="decision-heading">{e.allowed ? 'Allowed' : 'Denied'} <Badge text={e.status} /> {e.reason && <code>{e.reason}</code>}</h2>
      <p class="muted">
        {principal ? <a href={href('partners', principal.partnerTenantId, { focus: principal.objectId })}>{principal.name}</a> : String(e.principal)} of {e.partner},
        customer <a href={href('customers', e.customer)}>{e.customer}</a>, at {e.at}{e.grantedUntil ? `; granted until ${e.grantedUntil}` : ''}
      </p>
      <ol class="checks">
        {e.checks.map((check, index) => {
          const passed = check.startsWith('passed: ');
          return <li key={index} class={passed ? 'passed' : 'failed'}><span class="mark" aria-hidden="true">{passed ? '✓' : '✗'}</span> <span class="visually-hidden">{passed ? 'passed' : 'failed'}:</span> {check.replace(/^(passed|failed): /, '')}</li>;
        })}
      </ol>
      {principal && e.links && (
        <p class="small">
          Objects: {(e.links.relationships ?? []).map((id) => <a key={id} class="chip" href={href('partners', principal.partnerTenantId, { focus: id })}>relationship {id.slice(0, 8)}</a>)}
          {(e.links.groups ?? []).map((id) => <a key={id} class="chip" href={href('partners', principal.partnerTenantId, { focus: id })}>group {id.slice(0, 8)}</a>)}
        </p>
      )}
    </section>
  );
}
