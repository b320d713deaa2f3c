/** A partner: its users and apps, agent and security groups with members, GDAP relationships with their assignments; the lifecycle's actions. */
import { useEffect, useState } from 'preact/hooks';
import { call, type PartnerDetail, type Relationship } from '../api';
import { Badge, ErrorBox, formatTime, Id, Show, useLoad } from '../components';
import { href } from '../route';

export function PartnerPage({ id, focus, from }: { id: string; focus: string | null; from: number }) {
  const [partner, reload] = useLoad(() => call<PartnerDetail>(`/console/api/partners/${encodeURIComponent(id)}${from ? `?relationshipsFrom=${from}` : ''}`), [id, from]);
  useEffect(() => {
    if (focus && partner.state === 'ready') document.getElementById(`obj-${focus}`)?.scrollIntoView({ block: 'center' });
  }, [focus, partner.state]);
  return (
    <Show loaded={partner}>
      {(p) => (
        <>
          <p class="crumbs"><a href={href()}>Browse</a> › partner</p>
          <h1>{p.displayName}</h1>
          <p class="muted">{p.domain} · tenant <code>{p.tenantId}</code> · {p.customers} customers</p>
          <section aria-labelledby="principals-heading">
            <h2 id="principals-heading">Users and apps</h2>
            <table>
              <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Object id</th><th scope="col">Client id</th><th scope="col">Groups</th></tr></thead>
              <tbody>
                {p.principals.map((principal) => (
                  <tr key={principal.objectId} id={`obj-${principal.objectId}`} class={focus === principal.objectId ? 'focus' : undefined}>
                    <td>{principal.name}</td>
                    <td>{principal.kind}</td>
                    <td><Id value={principal.objectId} /></td>
                    <td><Id value={principal.clientId} /></td>
                    <td>{principal.groups.map((groupId) => <a key={groupId} class="chip" href={href('partners', p.tenantId, { focus: groupId })}>{p.groups.find((g) => g.groupId === groupId)?.displayName ?? groupId}</a>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="groups-heading">
            <h2 id="groups-heading">Groups</h2>
            <table>
              <thead><tr><th scope="col">Group</th><th scope="col">Kind</th><th scope="col">Members</th></tr></thead>
              <tbody>
                {p.groups.map((group) => (
                  <tr key={group.groupId} id={`obj-${group.groupId}`} class={focus === group.groupId ? 'focus' : undefined}>
                    <td>{group.displayName} <Id value={group.groupId} /></td>
                    <td>{group.agentRole ? `agent group (${group.agentRole})` : 'security group'}</td>
                    <td>{group.members.length === 0 ? <span class="muted">none</span> : group.members.map((m) => <a key={m.objectId} class="chip" href={href('partners', p.tenantId, { focus: m.objectId })}>{m.name}</a>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="relationships-heading">
            <h2 id="relationships-heading">GDAP relationships</h2>
            {p.relationshipCount > p.relationships.length && (
              <nav class="row" aria-label="Relationship pages">
                <a class={p.relationshipsFrom === 0 ? 'disabled' : undefined} aria-disabled={p.relationshipsFrom === 0} href={href('partners', p.tenantId, { from: String(Math.max(0, p.relationshipsFrom - 100)) })}>Previous</a>
                <span class="muted">{p.relationshipsFrom + 1}–{p.relationshipsFrom + p.relationships.length} of {p.relationshipCount}</span>
                {p.relationshipsNext !== null && <a href={href('partners', p.tenantId, { from: String(p.relationshipsNext) })}>Next</a>}
              </nav>
            )}
            <Relationships partnerId={p.tenantId} relationships={p.relationships} focus={focus} changed={reload} />
          </section>
        </>
      )}
    </Show>
  );
}

const ACTIONS: { action: 'lockForApproval' | 'approve' | 'terminate'; label: string; when: string[] }[] = [
  { action: 'lockForApproval', label: 'Lock for approval', when: ['created'] },
  { action: 'approve', label: 'Approve (as the customer)', when: ['approvalPending'] },
  { action: 'terminate', label: 'Terminate', when: ['active'] },
];

export function Relationships({ partnerId, relationships, focus, changed }: { partnerId: string; relationships: Relationship[]; focus: string | null; changed: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const act = async (relationship: Relationship, action: string) => {
    setError(null);
    try {
      await call(`/console/api/partners/${partnerId}/relationships/${relationship.id}/${action}`, { method: 'POST', body: {} });
      changed();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  if (relationships.length === 0) return <p class="muted">No GDAP relationship.</p>;
  return (
    <>
      {error && <ErrorBox error={error} />}
      <table>
        <thead><tr><th scope="col">Relationship</th><th scope="col">Customer</th><th scope="col">Status</th><th scope="col">Roles</th><th scope="col">Dates</th><th scope="col">Assignments</th><th scope="col">Act</th></tr></thead>
        <tbody>
          {relationships.map((r) => (
            <tr key={r.id} id={`obj-${r.id}`} class={focus === r.id ? 'focus' : undefined}>
              <td>{r.displayName} <Id value={r.id} /></td>
              <td><a href={href('customers', r.customerTenantId)}>{r.customerName}</a></td>
              <td><Badge text={r.status} /></td>
              <td>{r.roles.map((role) => <span key={role.id} class="chip">{role.name}</span>)}</td>
              <td class="small">created {formatTime(r.createdDateTime)}<br />active {formatTime(r.activatedDateTime)}<br />ends {formatTime(r.endDateTime)}</td>
              <td>
                {r.assignments.length === 0 ? <span class="muted">none</span> : r.assignments.map((a) => (
                  <div key={a.id} class="small">
                    <a href={href('partners', partnerId, { focus: a.groupId })}>{a.groupName}</a> <Badge text={a.status} />: {a.roles.map((role) => role.name).join(', ')}
                  </div>
                ))}
              </td>
              <td>
                {ACTIONS.filter(({ when }) => when.includes(r.status)).map(({ action, label }) => (
                  <button key={action} type="button" onClick={() => void act(r, action)}>{label}</button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
