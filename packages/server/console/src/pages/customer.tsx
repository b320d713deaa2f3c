/** A customer: its organization (as Partner Center answers it) and each partner's access to it. */
import { call, type CustomerDetail } from '../api';
import { Show, useLoad } from '../components';
import { href } from '../route';
import { Relationships } from './partner';

export function CustomerPage({ id }: { id: string }) {
  const [customer, reload] = useLoad(() => call<CustomerDetail>(`/console/api/customers/${encodeURIComponent(id)}`), [id]);
  return (
    <Show loaded={customer}>
      {(c) => {
        // The body Partner Center answers: an array of one organization.
        const organization = c.organization?.[0] ?? null;
        return (
        <>
          <p class="crumbs"><a href={href()}>Browse</a> › customer</p>
          <h1>{c.displayName}</h1>
          <p class="muted">tenant <code>{c.tenantId}</code> · <a href={href('why', { customer: c.tenantId })}>ask why a caller may or may not read it</a></p>
          <section aria-labelledby="organization-heading">
            <h2 id="organization-heading">Organization</h2>
            {organization ? (
              <dl class="fields">
                {Object.entries(organization).map(([name, value]) => (
                  <div key={name}><dt>{name}</dt><dd>{Array.isArray(value) ? value.join(', ') || '[]' : value === null ? 'null' : String(value)}</dd></div>
                ))}
              </dl>
            ) : <p class="muted">No organization profile.</p>}
          </section>
          {c.partners.map((partner) => (
            <section key={partner.tenantId} aria-label={`Access of ${partner.displayName}`}>
              <h2><a href={href('partners', partner.tenantId)}>{partner.displayName}</a> {partner.dapEnabled ? <span class="chip">DAP on</span> : <span class="chip">no DAP</span>}</h2>
              <Relationships partnerId={partner.tenantId} relationships={partner.relationships} focus={null} changed={reload} />
            </section>
          ))}
        </>
        );
      }}
    </Show>
  );
}
