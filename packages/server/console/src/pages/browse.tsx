/** The home page: the partners, and the customers, searched and paged (fine at a million). */
import { useState } from 'preact/hooks';
import { call, query, type CustomerPage, type PartnerSummary } from '../api';
import { Id, Show, useLoad } from '../components';
import { href } from '../route';

export function BrowsePage() {
  const [partners] = useLoad(() => call<{ value: PartnerSummary[] }>('/console/api/partners'), []);
  return (
    <>
      <h1>Browse</h1>
      <section aria-labelledby="partners-heading">
        <h2 id="partners-heading">Partners</h2>
        <Show loaded={partners}>
          {({ value }) => (
            <table>
              <thead><tr><th scope="col">Partner</th><th scope="col">Domain</th><th scope="col">Tenant id</th></tr></thead>
              <tbody>
                {value.map((partner) => (
                  <tr key={partner.tenantId}>
                    <td><a href={href('partners', partner.tenantId)}>{partner.displayName}</a></td>
                    <td>{partner.domain ?? '–'}</td>
                    <td><Id value={partner.tenantId} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </section>
      <CustomerSearch partners={partners.state === 'ready' ? partners.value.value : []} />
    </>
  );
}

function CustomerSearch({ partners }: { partners: PartnerSummary[] }) {
  const [search, setSearch] = useState('');
  const [partner, setPartner] = useState('');
  // The cursors of the pages seen so far, so Previous goes back without the server keeping state.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const after = cursors[cursors.length - 1];
  const [page] = useLoad(() => call<CustomerPage>(`/console/api/customers${query({ search, partner, after, limit: 25 })}`), [search, partner, after]);
  const restart = () => setCursors([undefined]);
  return (
    <section aria-labelledby="customers-heading">
      <h2 id="customers-heading">Customers</h2>
      <form class="row" role="search" onSubmit={(event) => event.preventDefault()}>
        <label>Search <input type="search" name="search" placeholder="name or tenant id" value={search} onInput={(event) => { setSearch(event.currentTarget.value); restart(); }} /></label>
        <label>Partner{' '}
          <select name="partner" value={partner} onChange={(event) => { setPartner(event.currentTarget.value); restart(); }}>
            <option value="">any</option>
            {partners.map((p) => <option key={p.tenantId} value={p.tenantId}>{p.displayName}</option>)}
          </select>
        </label>
      </form>
      <Show loaded={page}>
        {({ value, next }) => (
          <>
            <table>
              <thead><tr><th scope="col">Customer</th><th scope="col">Tenant id</th><th scope="col">Partners (DAP)</th><th scope="col">Ask why</th></tr></thead>
              <tbody>
                {value.length === 0 && <tr><td colSpan={4} class="muted">No customer matches.</td></tr>}
                {value.map((customer) => (
                  <tr key={customer.tenantId}>
                    <td><a href={href('customers', customer.tenantId)}>{customer.displayName}</a></td>
                    <td><Id value={customer.tenantId} /></td>
                    <td>{customer.partners.map((p) => <span key={p.tenantId} class="chip">{p.displayName}{p.dapEnabled ? ' · DAP' : ''}</span>)}</td>
                    <td><a href={href('why', { customer: customer.tenantId })}>why?</a></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav class="row" aria-label="Customer pages">
              <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
              <span class="muted">page {cursors.length}</span>
              <button type="button" disabled={!next} onClick={() => next && setCursors([...cursors, next])}>Next</button>
            </nav>
          </>
        )}
      </Show>
    </section>
  );
}
