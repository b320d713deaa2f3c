import type { AuditQuery, StoredAuditEvent } from '../domain/audit.js';
import type { AuditEventColumns } from '../domain/audit-event-columns.js';
import type { AuditPruning } from './audit-sql.js';
import type { CustomerOrganization } from '@pcapi/contracts';
import type { AccessFacts, PartnerTenant, PrincipalCredential } from '../domain/model.js';
import type { StoredIds } from '../seed/import-conflicts.js';
import type { GdapWrite, GdapWriteResult, StoredAssignment, StoredGroup, StoredGroupMember, StoredRelationship, StoredRelationshipRequest } from './gdap-rows.js';
import type { StoredRelationshipDates } from '../seed/plan-seed.js';
import type { SeedPlan } from '../seed/seed-plan.js';

/**
 * Every row a seed import writes, as a plan holds them (without claims): what `pcapi export` turns back
 * into a seed document (seed/export-seed.ts). In no particular order.
 */
export type StoredRows = Omit<SeedPlan, 'claims'>;

/** What a relationship listing can be narrowed to in the store (equality only: statuses are derived by the domain). */
export interface RelationshipFilter {
  id?: string;
  customerTenantId?: string;
}

/**
 * A page of customers as the console lists them: ordered by `nameKey` (the display name with ASCII
 * letters lower-cased, '' when it has none; compared by bytes), then by tenant id. Keyset paging: the
 * page starts after `after`, the key and tenant id of the previous page's last customer.
 */
export interface CustomerPageQuery {
  /** Customers whose name key starts with this (give it ASCII-lower-cased, like the key). */
  namePrefix?: string;
  /** Together with namePrefix, customers whose tenant id starts with this: either matches. */
  tenantIdPrefix?: string;
  /** Only this partner's customers. */
  partnerTenantId?: string;
  after?: { nameKey: string; tenantId: string };
  limit: number;
}

export interface StoredCustomerSummary {
  tenantId: string;
  /** The organization's display name; null when it has none. */
  displayName: string | null;
  /** What the page is ordered by (see CustomerPageQuery); a cursor carries it. */
  nameKey: string;
}

/** A customer's partner: the partner, the name it knows the customer by, and its DAP flag. */
export interface StoredCustomerPartner {
  customerTenantId: string;
  partner: PartnerTenant;
  customerDisplayName: string;
  dapEnabled: boolean;
}

/** A user of a customer's own tenant, as the token endpoint signs it in. */
export interface CustomerUser extends PrincipalCredential {
  /** Role definition ids of the Entra roles held in the customer tenant (the token's `wids`). */
  directoryRoleIds: string[];
}

/** The store cannot be opened or migrated at start-up. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** The store is unreachable right now (e.g. PostgreSQL restarting); callers answer 503 and retry later. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** An import that clashes with stored data (a name or id already taken); nothing was changed. */
export class SeedConflictError extends Error {
  override name = 'SeedConflictError';
  readonly problems: string[];

  constructor(problems: string[] | string) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('\n'));
    this.problems = list;
  }
}

/** Counts of rows an import created or changed; all zero when the data was already there. */
export interface ImportSummary {
  inserted: number;
  updated: number;
  unchanged: number;
  /**
   * Work after the commit that failed (e.g. refreshing planner statistics): the data is imported all
   * the same. Present only when something failed.
   */
  warnings?: string[];
}

export interface ImportOptions {
  /**
   * Judges each chunk against what the store holds for its ids and names, read inside the import's
   * transaction (so rows and claims of earlier chunks count). Any problem aborts the import with a
   * SeedConflictError listing them; nothing is changed. Without it a plan is applied as given. The
   * chunk is applied as the check leaves it: a check may empty its rows (its claims are recorded
   * before the check), so a chunk is checked without being written.
   */
  check?: (plan: SeedPlan, stored: StoredIds) => string[];
  /**
   * Deletes every row a seed can hold (and the sign-in grants) in the same transaction before
   * applying the plan: the store becomes the seed, and readers see the old data or the new, never
   * an empty store. Signing keys and emulator settings stay.
   */
  replace?: boolean;
}

export type GrantKind = 'sign_in' | 'code' | 'device_code' | 'refresh_token';

/**
 * A one-time grant of the sign-in flows as stored: a sign-in in progress, an authorization code, a
 * device code or a refresh token. `id` is the SHA-256 of the secret handed out; what `state` and
 * `payload` mean is the identity domain's business.
 */
export interface StoredGrant {
  id: string;
  kind: GrantKind;
  /** Device codes only: the short code the user types on /devicelogin (unique). */
  userCode: string | null;
  state: string;
  payload: Record<string, unknown>;
  expiresAtMs: number;
}

/** Delegated permissions granted to an app: by one user, or by an admin for the tenant (principalObjectId ''). */
export interface StoredConsent {
  tenantId: string;
  clientId: string;
  principalObjectId: string;
  /** "resource/permission" strings, e.g. https://api.partnercenter.microsoft.com/user_impersonation. */
  scopes: string[];
  grantedAtMs: number;
}

/**
 * A token-signing key of the local issuer as stored. What its times mean (which key signs, which keys
 * are published) is the identity domain's business (identity/signing-key-rules.ts).
 */
export interface StoredSigningKey {
  kid: string;
  /** The RSA private key as a JWK. */
  privateJwk: Record<string, unknown>;
  /** A self-signed X.509 certificate for the key, base64 DER (the JWKS's `x5c`). */
  certificate: string;
  createdAtMs: number;
  signsFromMs: number;
  /** null: published, with no end set yet. */
  publishedUntilMs: number | null;
}

/**
 * The one persistence interface. Implementations are dumb: they store and return rows and never
 * decide access. Every method is async so a networked backend fits behind the same callers.
 */
export interface Store {
  /** Applies pending migrations. */
  init(): Promise<void>;
  close(): Promise<void>;

  /** Partner tenant by id or by its domain name (case-insensitive). */
  findPartnerTenant(tenantIdOrDomain: string): Promise<PartnerTenant | undefined>;
  isPartnerTenant(tenantId: string): Promise<boolean>;
  isEmpty(): Promise<boolean>;

  findUserByName(tenantId: string, userPrincipalName: string): Promise<PrincipalCredential | undefined>;
  findAppByClientId(tenantId: string, clientId: string): Promise<PrincipalCredential | undefined>;
  findPrincipal(tenantId: string, objectId: string): Promise<PrincipalCredential | undefined>;
  /**
   * The partner tenants holding an app with this client id, or a user with this user principal name
   * (case-insensitive), ordered by tenant id: a client id may be registered in several
   * tenants (multi-tenant apps), a user name in several too. For tools that are given only the name.
   */
  partnersHoldingPrincipal(principal: { clientId: string } | { userPrincipalName: string }): Promise<PartnerTenant[]>;
  /** Existing credential hashes by principal object id, so an import can keep a hash whose secret is unchanged. */
  credentialHashes(objectIds: string[]): Promise<Map<string, string>>;
  /** Existing relationship dates and their seed texts, so an import can keep a date whose text is unchanged. */
  relationshipDates(relationshipIds: string[]): Promise<Map<string, StoredRelationshipDates>>;

  /** Every partner, principal, group, membership, customer, relationship, assignment and consent, read in one snapshot. */
  exportRows(): Promise<StoredRows>;

  /** The caller, its groups (nested up to maxDepth), the customer as this partner sees it, and their GDAP relationships. */
  accessFacts(query: { partnerTenantId: string; principalObjectId: string; customerTenantId: string; maxGroupDepth: number }): Promise<AccessFacts>;

  /** The customer's organization details; undefined when unknown. */
  organization(customerTenantId: string): Promise<CustomerOrganization | undefined>;

  // The console's browsing reads (issue 13).
  /** Every partner tenant, by display name (compared by bytes), then tenant id. */
  partnerTenants(): Promise<PartnerTenant[]>;
  /** How many customers a partner has. */
  partnerCustomerCount(partnerTenantId: string): Promise<number>;
  /** One page of customers (see CustomerPageQuery), at most `limit`. */
  customerPage(query: CustomerPageQuery): Promise<StoredCustomerSummary[]>;
  /** The partners of these customers, by customer, then partner display name (by bytes), then partner id. */
  customerPartners(customerTenantIds: string[]): Promise<StoredCustomerPartner[]>;

  /**
   * Calls `listener` after data changes: at once for imports through this store, and promptly for
   * commits by other processes (SQLite: the file's data version, polled; PostgreSQL: LISTEN/NOTIFY,
   * plus once each time LISTEN is in place, first or after reconnecting, since a notification may
   * have been missed before). Caches hang on this.
   */
  onDataChanged(listener: () => void): void;
  /**
   * Resolves once commits by other processes reach the data-change listeners (PostgreSQL: LISTEN is
   * in place and its catch-up notice given; SQLite, or no listener yet: at once). A server awaits it
   * before serving, so a started server hears every change made after it started.
   */
  hearingOthers(): Promise<void>;

  /** Consents of an app in a tenant that apply to a user: the user's own and the tenant-wide one (''). */
  consents(tenantId: string, clientId: string, principalObjectId: string): Promise<StoredConsent[]>;
  /** Inserts or replaces the consent row for (tenant, client, principal). */
  putConsent(consent: StoredConsent): Promise<void>;
  /** Removes it; true when there was one. */
  deleteConsent(tenantId: string, clientId: string, principalObjectId: string): Promise<boolean>;

  /** Inserts a grant; rejects when the id or the user code is taken. */
  putGrant(grant: StoredGrant): Promise<void>;
  findGrant(id: string): Promise<StoredGrant | undefined>;
  findGrantByUserCode(userCode: string): Promise<StoredGrant | undefined>;
  /**
   * Compare-and-set: moves the grant from `fromState` to `toState` (replacing its payload when given)
   * only if it is in `fromState` now, atomically across processes. True when this call moved it.
   */
  updateGrant(id: string, fromState: string, toState: string, payload?: Record<string, unknown>): Promise<boolean>;
  /** Deletes grants that expired before the given time; returns how many. */
  purgeGrants(expiredBeforeMs: number): Promise<number>;

  /** Every signing key, oldest first (by created_at, then kid). */
  signingKeys(): Promise<StoredSigningKey[]>;
  /**
   * Inserts a signing key; false when nothing was inserted because its kid is taken or, with
   * `onlyIfNone`, because any key is stored: atomically across processes, so of processes starting
   * at once on an empty store the first writer wins and the others read its key. Like every key
   * write, tells the data-change listeners of every process.
   */
  insertSigningKey(key: StoredSigningKey, options?: { onlyIfNone?: boolean }): Promise<boolean>;
  /** Sets a key's published_until (null: no end); false when there is no such key. */
  setSigningKeyPublishedUntil(kid: string, publishedUntilMs: number | null): Promise<boolean>;

  /**
   * Applies a validated seed plan, or the chunks of a streamed one, in one transaction: all of it or
   * nothing. Resolves once committed; nothing after the commit can turn it into a failure.
   */
  importSeed(plans: SeedPlan | AsyncIterable<SeedPlan>, options?: ImportOptions): Promise<ImportSummary>;

  // The Graph-compatible surface (GDAP and the directory), rows only.
  /**
   * A partner's relationships, oldest first; with `id` that one only (if it is the partner's), with
   * `customerTenantId` those with that customer.
   */
  gdapRelationships(partnerTenantId: string, filter?: RelationshipFilter): Promise<StoredRelationship[]>;
  accessAssignments(relationshipId: string): Promise<StoredAssignment[]>;
  relationshipRequests(relationshipId: string): Promise<StoredRelationshipRequest[]>;
  directoryGroups(tenantId: string): Promise<StoredGroup[]>;
  groupMembers(groupId: string): Promise<StoredGroupMember[]>;
  /** A tenant's users and apps, by name. */
  directoryPrincipals(tenantId: string): Promise<PrincipalCredential[]>;
  /** A relationship by id, whichever partner holds it (a customer's view). */
  gdapRelationshipById(id: string): Promise<StoredRelationship | undefined>;
  /** A user of a customer's own tenant by user principal name (case-insensitive), with its Entra roles there. */
  findCustomerUser(tenantId: string, userPrincipalName: string): Promise<CustomerUser | undefined>;
  /** An emulator setting every process shares (e.g. the clock), as JSON; undefined when never set. */
  emulatorSetting(name: string): Promise<unknown>;
  /**
   * One write, atomically; on success every process's data-change listeners are told, like an
   * import. Updates and deletes apply only at the version given (else 'stale').
   */
  writeGdap(write: GdapWrite): Promise<GdapWriteResult>;

  /** Appends audit events, all or none; they change nothing a cache depends on (no data-change notice). */
  appendAudit(events: AuditEventColumns): Promise<void>;
  /** Audit events matching the query: newest first, or oldest first after `afterId`. */
  auditEvents(query: AuditQuery): Promise<StoredAuditEvent[]>;
  /**
   * Deletes audit events recorded before an instant (the clock's epoch ms) and beyond the newest N;
   * `compact` also reclaims what no remaining event uses. Returns how many events went.
   */
  pruneAudit(pruning: AuditPruning): Promise<number>;
}
