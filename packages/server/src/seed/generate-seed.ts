/**
 * Writes a large synthetic dataset as a streamed (JSON Lines) seed file: partners with agents, GDAP
 * groups and apps, then customers with organizations and GDAP relationships in a realistic mix
 * (mostly allowed, some DAP-only, expired or holding the wrong roles). Deterministic for a given size.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stableId } from './stable-id.js';

export interface GenerateOptions {
  customers: number;
  partners: number;
  /** Users per partner, all agents in the partner's GDAP group (the first has password `pcapi-demo`). */
  usersPerPartner: number;
}

/** The share of customers in each situation, in thousandths. */
const MIX = { dapOnly: 50, expired: 50, wrongRoles: 50 } as const;

export function partnerTenantIdOf(index: number): string {
  return stableId('generated-partner', String(index));
}

export function customerTenantIdOf(index: number): string {
  return stableId('generated-customer', String(index));
}

export function partnerLine(index: number, usersPerPartner: number): object {
  const domain = `partner${index}.example`;
  return {
    partner: {
      tenantId: partnerTenantIdOf(index),
      displayName: `Partner ${index}`,
      domain,
      securityGroups: [{ displayName: 'GDAP Readers' }, { displayName: 'GDAP Helpdesk' }],
      users: Array.from({ length: usersPerPartner }, (_, u) => ({
        userPrincipalName: `agent${u}@${domain}`,
        ...(u === 0 ? { password: 'pcapi-demo' } : {}),
        agentRoles: ['AdminAgents'],
        memberOf: ['GDAP Readers', 'GDAP Helpdesk'],
      })),
      applications: [{
        clientId: stableId('generated-app', String(index)), displayName: `Partner ${index} Automation`, clientSecret: 'pcapi-demo',
        agentRoles: ['AdminAgents'], memberOf: ['GDAP Readers'],
      }],
    },
  };
}

export function customerLine(index: number, partnerCount: number): object {
  const partnerIndex = index % partnerCount;
  const situation = index % 1000;
  const name = `Customer ${index}`;
  const base = {
    partnerTenantId: partnerTenantIdOf(partnerIndex),
    tenantId: customerTenantIdOf(index),
    displayName: name,
    organization: {
      street: `${1 + (index % 9999)} Main Street`, countryLetterCode: 'US', postalCode: String(10000 + (index % 89999)),
      city: 'Springfield', state: 'IL', displayName: name, technicalNotificationMails: [`it@customer${index}.example`],
    },
  };
  if (situation < MIX.dapOnly) return { customer: { ...base, dap: true } };
  const expired = situation < MIX.dapOnly + MIX.expired;
  const wrongRoles = !expired && situation < MIX.dapOnly + MIX.expired + MIX.wrongRoles;
  const roles = wrongRoles ? ['Helpdesk Administrator'] : ['Global Reader'];
  return {
    customer: {
      ...base,
      gdapRelationships: [{
        id: stableId('generated-relationship', String(index)),
        displayName: `${name} access`,
        status: expired ? 'expired' : 'active',
        roles,
        duration: 'P730D',
        createdDateTime: expired ? '741 days ago' : '100 days ago',
        activatedDateTime: expired ? '740 days ago' : '100 days ago',
        ...(expired ? { endDateTime: '10 days ago' } : {}),
        accessAssignments: [{ id: stableId('generated-assignment', String(index)), securityGroup: wrongRoles ? 'GDAP Helpdesk' : 'GDAP Readers', roles }],
      }],
    },
  };
}

/** Writes the file with back-pressure, so memory stays flat whatever the size. */
export async function generateSeedFile(file: string, options: GenerateOptions): Promise<void> {
  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (value: object) => {
    if (!out.write(JSON.stringify(value) + '\n')) await once(out, 'drain');
  };
  for (let p = 0; p < options.partners; p++) await write(partnerLine(p, options.usersPerPartner));
  for (let c = 0; c < options.customers; c++) await write(customerLine(c, options.partners));
  out.end();
  await once(out, 'finish');
}
