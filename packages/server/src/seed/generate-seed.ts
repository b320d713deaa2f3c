/**
 * Writes a large synthetic dataset as a streamed (JSON Lines) seed file: partners with agents, GDAP
 * groups and apps, then customers with organizations and GDAP relationships in a realistic mix
 * (85% allowed, 5% each DAP only, expired, or holding the wrong roles: customerKindOf). Deterministic
 * for a given size. generateSeedGuide says what to try with the file.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { stableId } from './stable-id.js';

export interface GenerateOptions {
  customers: number;
  partners: number;
  /** Users per partner, all agents in the partner's GDAP group (the first has password `pcapi-demo`). */
  usersPerPartner: number;
}

/** What a customer of the generated file answers: 200, or a 403 for one reason. */
export type CustomerKind = 'allowed' | 'dapOnly' | 'expired' | 'wrongRoles';

/** Customers per thousand that are denied: 50 DAP only, 50 expired, 50 holding the wrong roles. */
const DENIED_PER_THOUSAND = 150;
const DENIED_KINDS = ['dapOnly', 'expired', 'wrongRoles'] as const;

/**
 * The kind of customer `index`: allowed unless `index % 1000` is below 150 (the load harness counts on
 * that: bench/harness.ts). The denied ones take the three kinds in turn along their partner's customers
 * (customer `index` is partner `index % partners`'s customer number `index / partners`), so every
 * partner with three denied customers has one of each, partner 0's first three among them.
 */
export function customerKindOf(index: number, partnerCount: number): CustomerKind {
  if (index % 1000 >= DENIED_PER_THOUSAND) return 'allowed';
  return DENIED_KINDS[Math.floor(index / partnerCount) % DENIED_KINDS.length]!;
}

export function applicationClientIdOf(partnerIndex: number): string {
  return stableId('generated-app', String(partnerIndex));
}

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
        clientId: applicationClientIdOf(index), displayName: `Partner ${index} Automation`, clientSecret: 'pcapi-demo',
        agentRoles: ['AdminAgents'], memberOf: ['GDAP Readers', 'GDAP Helpdesk'],
      }],
    },
  };
}

export function customerLine(index: number, partnerCount: number): object {
  const partnerIndex = index % partnerCount;
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
  const kind = customerKindOf(index, partnerCount);
  if (kind === 'dapOnly') return { customer: { ...base, dap: true } };
  const expired = kind === 'expired';
  const wrongRoles = kind === 'wrongRoles';
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

/**
 * Writes the file (or a stream such as stdout) with back-pressure, so memory stays flat whatever the
 * size. A file is written beside its name and renamed into place when complete: an interrupted run
 * leaves the earlier file as it was and no partial one (a JSON Lines file cut at a line would import).
 */
export async function generateSeedFile(target: string | NodeJS.WritableStream, options: GenerateOptions): Promise<void> {
  const temporary = typeof target === 'string' ? join(dirname(target), `.${basename(target)}.${process.pid}.tmp`) : undefined;
  const out = temporary !== undefined ? createWriteStream(temporary, { encoding: 'utf8' }) : (target as NodeJS.WritableStream);
  const removeTemporary = () => {
    if (temporary !== undefined) rmSync(temporary, { force: true });
  };
  // Ctrl-C or a kill ends the process without unwinding: the partial file is removed, then the
  // signal is raised again so the process ends as it would have (exit 130 for Ctrl-C).
  const onSignal = (signal: NodeJS.Signals) => {
    removeTemporary();
    process.kill(process.pid, signal);
  };
  if (temporary !== undefined) for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  try {
    const write = async (value: object) => {
      if (!out.write(JSON.stringify(value) + '\n')) await once(out, 'drain');
    };
    for (let p = 0; p < options.partners; p++) await write(partnerLine(p, options.usersPerPartner));
    for (let c = 0; c < options.customers; c++) await write(customerLine(c, options.partners));
    if (temporary === undefined) return;
    out.end();
    await once(out, 'finish');
    renameSync(temporary, target as string);
  } finally {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(signal, onSignal);
    removeTemporary();
  }
}

/** A customer of the file to try, with the answer it gets. */
export interface GuideCustomer { kind: CustomerKind; index: number; tenantId: string; displayName: string; status: 200 | 403; answer: string }

/** What to try with a generated file: one partner's credentials and a customer of each kind it has. */
export interface SeedGuide {
  partner: { index: number; tenantId: string; displayName: string; domain: string };
  app: { clientId: string; secret: string; memberOf: string[] };
  user: { userPrincipalName: string; password: string; memberOf: string[] };
  customers: GuideCustomer[];
  /** Kinds the partner has no customer of (a small file): what would give one. */
  missing: { kind: CustomerKind; hint: string }[];
}

const KIND_ORDER: CustomerKind[] = ['allowed', 'dapOnly', 'expired', 'wrongRoles'];
export const KIND_LABELS: Record<CustomerKind, string> = { allowed: 'allowed', dapOnly: 'DAP only', expired: 'expired', wrongRoles: 'wrong roles' };
/** The answer each kind gets, from the app and the user alike (both are in GDAP Readers and GDAP Helpdesk): the denial's words. */
const ANSWERS: Record<CustomerKind, { status: 200 | 403; answer: string }> = {
  allowed: { status: 200, answer: 'its organization (GDAP Readers holds Global Reader on an active relationship)' },
  dapOnly: { status: 403, answer: 'the partner holds only DAP on it: DAP is not supported for this operation' },
  expired: { status: 403, answer: 'its GDAP relationship expired (10 days ago)' },
  wrongRoles: { status: 403, answer: 'GDAP Helpdesk is assigned Helpdesk Administrator: none of Global Administrator, Directory Writers, Global Reader' },
};

/** The first customer of each kind the partner has in a file of this size. */
function kindsOfPartner(partnerIndex: number, options: GenerateOptions): Map<CustomerKind, number> {
  const kinds = new Map<CustomerKind, number>();
  for (let index = partnerIndex; index < options.customers && kinds.size < KIND_ORDER.length; index += options.partners) {
    const kind = customerKindOf(index, options.partners);
    if (!kinds.has(kind)) kinds.set(kind, index);
  }
  return kinds;
}

/**
 * The guide's partner and customers: partner 0 when it has a customer of every kind (it does with the
 * default sizes), else the first partner that has, else partner 0 with the kinds it has.
 */
export function generateSeedGuide(options: GenerateOptions): SeedGuide {
  let chosen: number | undefined;
  for (let partner = 0; partner < options.partners && chosen === undefined; partner++) {
    if (kindsOfPartner(partner, options).size === KIND_ORDER.length) chosen = partner;
  }
  const partnerIndex = chosen ?? 0;
  const kinds = kindsOfPartner(partnerIndex, options);
  const domain = `partner${partnerIndex}.example`;
  return {
    partner: { index: partnerIndex, tenantId: partnerTenantIdOf(partnerIndex), displayName: `Partner ${partnerIndex}`, domain },
    app: { clientId: applicationClientIdOf(partnerIndex), secret: 'pcapi-demo', memberOf: ['AdminAgents', 'GDAP Readers', 'GDAP Helpdesk'] },
    user: { userPrincipalName: `agent0@${domain}`, password: 'pcapi-demo', memberOf: ['AdminAgents', 'GDAP Readers', 'GDAP Helpdesk'] },
    customers: KIND_ORDER.flatMap((kind) => {
      const index = kinds.get(kind);
      return index === undefined ? [] : [{ kind, index, tenantId: customerTenantIdOf(index), displayName: `Customer ${index}`, ...ANSWERS[kind] }];
    }),
    missing: KIND_ORDER.filter((kind) => !kinds.has(kind)).map((kind) => {
      const needed = customersNeededFor(kind, partnerIndex, options.partners);
      return { kind, hint: needed === undefined ? 'give fewer --partners' : `give --customers ${needed} or more` };
    }),
  };
}

/** The fewest customers that give the partner a customer of this kind (undefined: none up to the largest file). */
function customersNeededFor(kind: CustomerKind, partnerIndex: number, partnerCount: number): number | undefined {
  for (let index = partnerIndex; index < 10_000_000; index += partnerCount) if (customerKindOf(index, partnerCount) === kind) return index + 1;
  return undefined;
}

/** The guide as text: credentials, the customers to try, and commands to paste (bash). */
export function formatSeedGuide(guide: SeedGuide, file: string | undefined, baseUrl = 'http://127.0.0.1:8080'): string {
  const seedFile = file ?? '<file>.jsonl';
  const lines = [
    'Next:',
    `  npx pcapi seed ${seedFile}    # import it: one transaction, and importing it again changes nothing`,
    '  npx pcapi serve                # serve it (on ./data, as pcapi seed); npm start does the same with the emulator endpoints',
    '',
    `Sign in as partner "${guide.partner.displayName}" (tenant ${guide.partner.tenantId}, ${guide.partner.domain}):`,
    `  app   client id ${guide.app.clientId}  secret ${guide.app.secret}  (${guide.app.memberOf.join(', ')})`,
    `  user  ${guide.user.userPrincipalName}  password ${guide.user.password}  (${guide.user.memberOf.join(', ')})`,
    '',
    `Customers of ${guide.partner.displayName} to try (GET /v1/customers/<id>/organization, as the app or the user):`,
    ...guide.customers.map((customer) => `  ${KIND_LABELS[customer.kind].padEnd(11)}  ${customer.tenantId}  ${customer.displayName.padEnd(14)}  ${customer.status}: ${customer.answer}`),
    ...guide.missing.map(({ kind, hint }) => `  ${KIND_LABELS[kind].padEnd(11)}  none for this partner in this file: ${hint}`),
  ];
  const first = guide.customers[0];
  if (first) {
    lines.push(
      '',
      `  T=$(npx pcapi token --app ${guide.app.clientId})`,
      `  curl -i -H "Authorization: Bearer $T" ${baseUrl}/v1/customers/${first.tenantId}/organization`,
    );
  }
  return `${lines.join('\n')}\n`;
}
