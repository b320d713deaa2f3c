import type { CustomerOrganization } from '@pcapi/contracts';
import type { AccessFacts, PartnerTenant, PrincipalCredential } from '../domain/model.js';
import type { StoredIds } from '../seed/import-conflicts.js';
import type { StoredRelationshipDates } from '../seed/plan-seed.js';
import type { SeedPlan } from '../seed/seed-plan.js';

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
   * SeedConflictError listing them; nothing is changed. Without it a plan is applied as given.
   */
  check?: (plan: SeedPlan, stored: StoredIds) => string[];
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
  /** Existing credential hashes by principal object id, so an import can keep a hash whose secret is unchanged. */
  credentialHashes(objectIds: string[]): Promise<Map<string, string>>;
  /** Existing relationship dates and their seed texts, so an import can keep a date whose text is unchanged. */
  relationshipDates(relationshipIds: string[]): Promise<Map<string, StoredRelationshipDates>>;

  /** The caller, its groups (nested up to maxDepth), the customer as this partner sees it, and their GDAP relationships. */
  accessFacts(query: { partnerTenantId: string; principalObjectId: string; customerTenantId: string; maxGroupDepth: number }): Promise<AccessFacts>;

  /** The customer's organization details; undefined when unknown. */
  organization(customerTenantId: string): Promise<CustomerOrganization | undefined>;

  /**
   * Calls `listener` after data changes: at once for imports through this store, and promptly for
   * commits by other processes (SQLite: the file's data version, polled; PostgreSQL: LISTEN/NOTIFY,
   * plus once after reconnecting, since a notification may have been missed). Caches hang on this.
   */
  onDataChanged(listener: () => void): void;

  /**
   * Applies a validated seed plan, or the chunks of a streamed one, in one transaction: all of it or
   * nothing. Resolves once committed; nothing after the commit can turn it into a failure.
   */
  importSeed(plans: SeedPlan | AsyncIterable<SeedPlan>, options?: ImportOptions): Promise<ImportSummary>;
}
