/** The embedded store: SQLite through better-sqlite3, prepared statements, WAL, one transaction per import. */
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CustomerOrganization } from '@pcapi/contracts';
import type { AccessFacts, PartnerTenant } from '../../domain/model.js';
import type { StoredRelationshipDates } from '../../seed/plan-seed.js';
import type { SeedPlan } from '../../seed/seed-plan.js';
import { makeDirectory } from '../../make-directory.js';
import { loadMigrations, type Migration } from '../migrations.js';
import { toSigningKey } from '../rows.js';
import { isBusy, openInWalMode } from './open-wal.js';

/** How long a write waits for another process's transaction to end before it fails. */
const BUSY_TIMEOUT_MS = 10_000;
import type { CustomerPageQuery, CustomerUser, RelationshipFilter, StoredCustomerPartner, StoredCustomerSummary, StoredSigningKey } from '../store.js';
import { SqliteGdap } from './sqlite-gdap.js';
import { SqliteConsole } from './sqlite-console.js';
import { auditFileOf, openAuditFile, SqliteAudit } from './sqlite-audit.js';
import { AuditCheckpointer } from './audit-checkpointer.js';
import type { AuditPruning } from '../audit-sql.js';
import type { AuditEventColumns } from '../../domain/audit-event-columns.js';
import type { AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import type { GdapWrite, GdapWriteResult, StoredAssignment, StoredGroup, StoredGroupMember, StoredRelationship, StoredRelationshipRequest } from '../gdap-rows.js';
import type { PrincipalCredential } from '../../domain/model.js';
import {
  StoreOpenError, type ImportOptions, type ImportSummary, type Store, type StoredConsent, type StoredGrant, type StoredRows,
} from '../store.js';
import {
  EXPORT_READS, grantRefused, toAccessFacts, toConsent, toGrant, toOrganization, toPrincipal, toRelationshipDates, toStoredRows, type Row,
} from '../rows.js';
import { CHANGE_COUNTER_SQL, prepareAll, READ_SQL, SIGN_IN_SQL, SIGNING_KEY_SQL, type Statements } from './sqlite-statements.js';
import { importInTransaction } from './sqlite-import.js';


/** How often another process's commit is looked for: the bound on a cache's staleness across processes. */
export const DATA_VERSION_POLL_MS = 100;
/** How long the statistics refresh after an import waits for another writer before giving up (with a warning). */
const POST_COMMIT_BUSY_TIMEOUT_MS = 1000;


export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private statements!: Statements<typeof READ_SQL>;
  private keys!: Statements<typeof SIGNING_KEY_SQL>;
  private signIn!: Statements<typeof SIGN_IN_SQL>;
  private changes!: Statements<typeof CHANGE_COUNTER_SQL>;
  private gdap!: SqliteGdap;
  private console!: SqliteConsole;
  private audit!: SqliteAudit;
  /** Imports run one at a time, each on its own connection (see importSeed). */
  private importQueue: Promise<unknown> = Promise.resolve();
  private readonly changeListeners: (() => void)[] = [];
  private dataVersionTimer: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;
  private lastChangeCounter = 0;

  /** @param options.busyTimeoutMs how long a write waits for another process's transaction (tests shorten it). */
  constructor(readonly file: string, private readonly options: { busyTimeoutMs?: number } = {}) {
    if (file !== ':memory:') makeDirectory(dirname(file));
    this.db = this.connect();
  }

  /** Why a write waited its busy timeout in vain: another process's transaction. */
  private writeLockHeld(): string {
    const seconds = (this.options.busyTimeoutMs ?? BUSY_TIMEOUT_MS) / 1000;
    return `another process held the store's write lock for ${seconds} s (an import, or a server applying migrations); try again when it has finished`;
  }

  private connect(): Database.Database {
    let db: Database.Database;
    try {
      db = openInWalMode(this.file, this.options.busyTimeoutMs ?? BUSY_TIMEOUT_MS);
    } catch (error) {
      throw new StoreOpenError(`cannot open SQLite database ${this.file}: ${(error as Error).message}`);
    }
    // FULL: a committed import survives power loss, not only a process crash. Writes are rare.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // 32 MiB of page cache (the default is 2 MiB): a million customers' hot index pages stay in memory.
    db.pragma('cache_size = -32768');
    return db;
  }

  /** The audit file's connection (sqlite-audit.ts). */
  private auditWriter: Database.Database | undefined;
  /** Checkpoints the audit file's WAL off the serving thread. */
  auditCheckpoints: AuditCheckpointer | undefined;

  private auditConnection(): Database.Database {
    this.auditWriter = openAuditFile(this.file);
    this.auditCheckpoints = new AuditCheckpointer(auditFileOf(this.file), this.auditWriter);
    return this.auditWriter;
  }

  async init(): Promise<void> {
    try {
      // A store whose migrations are all applied is opened without the write lock, so a command or a
      // server can open it while another process imports (which holds the lock for minutes at a
      // million customers). Otherwise one write transaction for the check and the migrations, so
      // processes opening a new file at the same moment migrate it once: the others wait for the
      // lock, then find nothing to do.
      if (this.pendingMigrations().length > 0) {
        this.db.exec('BEGIN IMMEDIATE');
        try {
          this.migrate();
          this.db.exec('COMMIT');
        } finally {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
        }
      }
    } catch (error) {
      if (error instanceof StoreOpenError) throw error;
      if (isBusy(error)) throw new StoreOpenError(`cannot initialize SQLite database ${this.file}: ${this.writeLockHeld()}`);
      throw new StoreOpenError(`cannot initialize SQLite database ${this.file}: ${(error as Error).message}`);
    }
    this.statements = prepareAll(this.db, READ_SQL);
    this.keys = prepareAll(this.db, SIGNING_KEY_SQL);
    this.signIn = prepareAll(this.db, SIGN_IN_SQL);
    this.changes = prepareAll(this.db, CHANGE_COUNTER_SQL);
    this.gdap = new SqliteGdap(this.db);
    this.console = new SqliteConsole(this.db);
    const auditDb = this.file === ':memory:' ? this.db : this.auditConnection();
    this.audit = new SqliteAudit(auditDb, auditDb);
  }

  /**
   * The migrations this file still needs, read without a write lock; refuses a file whose schema is
   * newer than this pcapi knows.
   */
  private pendingMigrations(): readonly Migration[] {
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    const applied = new Set(hasTable ? (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((row) => row.version) : []);
    const migrations = loadMigrations('sqlite');
    const newest = Math.max(0, ...migrations.map((m) => m.version));
    const unknown = [...applied].filter((version) => version > newest);
    if (unknown.length > 0) {
      throw new StoreOpenError(`database ${this.file} has schema version ${Math.max(...unknown)}, newer than this pcapi knows (${newest}); upgrade pcapi`);
    }
    return migrations.filter((m) => !applied.has(m.version));
  }

  /** Applies the pending migrations; inside the write transaction init() holds, so it reads them again. */
  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of this.pendingMigrations()) {
      this.db.exec(migration.doSql);
      this.db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))").run(migration.version, migration.name);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.dataVersionTimer);
    await this.importQueue;
    await this.auditCheckpoints?.close();
    if (this.auditWriter?.open) this.auditWriter.close();
    if (this.db.open) this.db.close();
  }

  /** At once: the poll compares with the data version read when the first listener came, so nothing since is missed. */
  hearingOthers(): Promise<void> {
    return Promise.resolve();
  }

  onDataChanged(listener: () => void): void {
    this.changeListeners.push(listener);
    if (this.dataVersionTimer || this.file === ':memory:') return;
    // PRAGMA data_version changes when another connection (another process, or this store's import
    // connection) commits; polling it costs microseconds and bounds how stale a cache can be. Only
    // then is the change counter read: sign-in writes commit too, but change nothing cached.
    const read = () => this.db.pragma('data_version', { simple: true }) as number;
    const counter = () => (this.changes.read.get() as { version: number }).version;
    this.lastDataVersion = read();
    this.lastChangeCounter = counter();
    this.dataVersionTimer = setInterval(() => {
      if (!this.db.open) return;
      const version = read();
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
      const changed = counter();
      if (changed !== this.lastChangeCounter) {
        this.lastChangeCounter = changed;
        this.notifyChanged();
      }
    }, DATA_VERSION_POLL_MS);
    this.dataVersionTimer.unref();
  }

  private notifyChanged(): void {
    for (const listener of this.changeListeners) listener();
  }

  async gdapRelationships(partnerTenantId: string, filter: RelationshipFilter = {}): Promise<StoredRelationship[]> {
    return this.gdap.relationships(partnerTenantId.toLowerCase(), { id: filter.id?.toLowerCase(), customerTenantId: filter.customerTenantId?.toLowerCase() });
  }

  async accessAssignments(relationshipId: string): Promise<StoredAssignment[]> {
    return this.gdap.assignments(relationshipId);
  }

  async relationshipRequests(relationshipId: string): Promise<StoredRelationshipRequest[]> {
    return this.gdap.requests(relationshipId);
  }

  async directoryGroups(tenantId: string): Promise<StoredGroup[]> {
    return this.gdap.groups(tenantId.toLowerCase());
  }

  async groupMembers(groupId: string): Promise<StoredGroupMember[]> {
    return this.gdap.members(groupId.toLowerCase());
  }

  async directoryPrincipals(tenantId: string): Promise<PrincipalCredential[]> {
    return this.gdap.principals(tenantId.toLowerCase());
  }

  async gdapRelationshipById(id: string): Promise<StoredRelationship | undefined> {
    return this.gdap.relationshipById(id.toLowerCase());
  }

  async findCustomerUser(tenantId: string, userPrincipalName: string): Promise<CustomerUser | undefined> {
    return this.gdap.customerUser(tenantId.toLowerCase(), userPrincipalName);
  }

  async emulatorSetting(name: string): Promise<unknown> {
    return this.gdap.setting(name);
  }

  /** Like key writes: on the serving connection, after any import of this store. */
  async writeGdap(write: GdapWrite): Promise<GdapWriteResult> {
    await this.importQueue;
    const result = this.gdap.write(write);
    if (result === 'ok') this.notifyChanged();
    return result;
  }

  async appendAudit(events: AuditEventColumns): Promise<void> {
    this.audit.append(events);
    this.auditCheckpoints?.appended();
  }

  async auditEvents(query: AuditQuery): Promise<StoredAuditEvent[]> {
    return this.audit.query(query);
  }

  async pruneAudit(pruning: AuditPruning): Promise<number> {
    return this.audit.prune(pruning);
  }

  async findPartnerTenant(tenantIdOrDomain: string): Promise<PartnerTenant | undefined> {
    const row = this.statements.partnerByIdOrDomain.get({ key: tenantIdOrDomain.toLowerCase() }) as Row | undefined;
    return row && { tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: row.domain as string | null };
  }

  async isPartnerTenant(tenantId: string): Promise<boolean> {
    return this.statements.partnerExists.get(tenantId.toLowerCase()) !== undefined;
  }

  async isEmpty(): Promise<boolean> {
    return this.statements.anyPartner.get() === undefined;
  }

  async findUserByName(tenantId: string, userPrincipalName: string) {
    return toPrincipal(this.statements.userByName.get(tenantId.toLowerCase(), userPrincipalName.toLowerCase()) as Row | undefined);
  }

  async findAppByClientId(tenantId: string, clientId: string) {
    return toPrincipal(this.statements.appByClientId.get(tenantId.toLowerCase(), clientId.toLowerCase()) as Row | undefined);
  }

  async partnersHoldingPrincipal(principal: { clientId: string } | { userPrincipalName: string }): Promise<PartnerTenant[]> {
    const rows = ('clientId' in principal
      ? this.statements.partnersHoldingApp.all(principal.clientId.toLowerCase())
      : this.statements.partnersHoldingUser.all(principal.userPrincipalName.toLowerCase())) as Row[];
    return rows.map((row) => ({ tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: row.domain as string | null }));
  }

  async findPrincipal(tenantId: string, objectId: string) {
    return toPrincipal(this.statements.principal.get(tenantId.toLowerCase(), objectId.toLowerCase()) as Row | undefined);
  }

  async credentialHashes(objectIds: string[]): Promise<Map<string, string>> {
    const rows = this.statements.credentialHashes.all({ ids: JSON.stringify(objectIds) }) as Row[];
    return new Map(rows.map((row) => [row.object_id as string, row.credential_hash as string]));
  }

  async relationshipDates(relationshipIds: string[]): Promise<Map<string, StoredRelationshipDates>> {
    const rows = this.statements.relationshipDates.all(JSON.stringify(relationshipIds)) as Row[];
    return new Map(rows.map((row) => [row.id as string, toRelationshipDates(row)]));
  }

  async exportRows(): Promise<StoredRows> {
    // One read transaction on the serving connection: every table from the same committed snapshot.
    const read = this.db.transaction(() => {
      const all = (sql: string) => this.db.prepare(sql).all() as Row[];
      return toStoredRows({
        partners: all(EXPORT_READS.partners), principals: all(EXPORT_READS.principals), groups: all(EXPORT_READS.groups),
        memberships: all(EXPORT_READS.memberships), customers: all(EXPORT_READS.customers), customerUsers: all(EXPORT_READS.customerUsers), partnerCustomers: all(EXPORT_READS.partnerCustomers),
        relationships: all(EXPORT_READS.relationships), assignments: all(EXPORT_READS.assignments), consents: all(EXPORT_READS.consents),
      });
    });
    await this.importQueue;
    return read();
  }

  async accessFacts(query: { partnerTenantId: string; principalObjectId: string; customerTenantId: string; maxGroupDepth: number }): Promise<AccessFacts> {
    const customerId = query.customerTenantId.toLowerCase();
    const tenantId = query.partnerTenantId.toLowerCase();
    const memberId = query.principalObjectId.toLowerCase();
    const row = (query.maxGroupDepth > 1
      ? this.statements.accessFactsNested.get({ tenantId, memberId, customerId, maxDepth: query.maxGroupDepth })
      : this.statements.accessFacts.get({ tenantId, memberId, customerId })) as Row;
    return toAccessFacts(row, customerId);
  }

  async organization(customerTenantId: string): Promise<CustomerOrganization | undefined> {
    return toOrganization(this.statements.organization.get(customerTenantId.toLowerCase()) as Row | undefined);
  }

  async partnerTenants(): Promise<PartnerTenant[]> {
    return this.console.partnerTenants();
  }

  async partnerCustomerCount(partnerTenantId: string): Promise<number> {
    return this.console.partnerCustomerCount(partnerTenantId.toLowerCase());
  }

  async customerPage(query: CustomerPageQuery): Promise<StoredCustomerSummary[]> {
    return this.console.customerPage({ ...query, partnerTenantId: query.partnerTenantId?.toLowerCase() });
  }

  async customerPartners(customerTenantIds: string[]): Promise<StoredCustomerPartner[]> {
    return this.console.customerPartners(customerTenantIds);
  }

  async signingKeys(): Promise<StoredSigningKey[]> {
    return (this.keys.list.all() as Row[]).map(toSigningKey);
  }

  /**
   * Key writes run on the serving connection after any import of this store (as sign-in writes do,
   * see below). Its own commits do not change its data_version, so listeners here are told at once;
   * other processes see the file's data_version change.
   */
  async insertSigningKey(key: StoredSigningKey, { onlyIfNone = false }: { onlyIfNone?: boolean } = {}): Promise<boolean> {
    await this.importQueue;
    // IMMEDIATE: the write lock before the check, so two processes cannot both find the table empty.
    const inserted = this.db.transaction(() => {
      if (onlyIfNone && this.keys.any.get() !== undefined) return false;
      const values = [key.kid, JSON.stringify(key.privateJwk), key.certificate, key.createdAtMs, key.signsFromMs, key.publishedUntilMs];
      const added = this.keys.insert.run(...values).changes > 0;
      if (added) this.changes.bump.run();
      return added;
    }).immediate();
    if (inserted) this.notifyChanged();
    return inserted;
  }

  async setSigningKeyPublishedUntil(kid: string, publishedUntilMs: number | null): Promise<boolean> {
    await this.importQueue;
    const updated = this.db.transaction(() => {
      const changed = this.keys.setPublishedUntil.run(publishedUntilMs, kid).changes > 0;
      if (changed) this.changes.bump.run();
      return changed;
    })();
    if (updated) this.notifyChanged();
    return updated;
  }

  async consents(tenantId: string, clientId: string, principalObjectId: string): Promise<StoredConsent[]> {
    const rows = this.signIn.consents.all({ tenantId: tenantId.toLowerCase(), clientId: clientId.toLowerCase(), principalObjectId: principalObjectId.toLowerCase() }) as Row[];
    return rows.map(toConsent);
  }

  async findGrant(id: string): Promise<StoredGrant | undefined> {
    return toGrant(this.signIn.grant.get(id) as Row | undefined);
  }

  async findGrantByUserCode(userCode: string): Promise<StoredGrant | undefined> {
    return toGrant(this.signIn.grantByUserCode.get(userCode) as Row | undefined);
  }

  /*
   * Sign-in writes go through the serving connection, after any import of this store: a write there
   * while this process's import holds the write lock would wait on the busy timeout with the event
   * loop blocked, so the import could never finish (and on :memory: it would join the import's
   * transaction). They change nothing a cached decision depends on, so no listener is told.
   */

  async putConsent(consent: StoredConsent): Promise<void> {
    await this.importQueue;
    this.signIn.putConsent.run({
      tenantId: consent.tenantId.toLowerCase(), clientId: consent.clientId.toLowerCase(), principalObjectId: consent.principalObjectId.toLowerCase(),
      scopes: JSON.stringify(consent.scopes), grantedAt: consent.grantedAtMs,
    });
  }

  async deleteConsent(tenantId: string, clientId: string, principalObjectId: string): Promise<boolean> {
    await this.importQueue;
    return this.signIn.deleteConsent.run(tenantId.toLowerCase(), clientId.toLowerCase(), principalObjectId.toLowerCase()).changes > 0;
  }

  async putGrant(grant: StoredGrant): Promise<void> {
    await this.importQueue;
    try {
      this.signIn.putGrant.run({
        id: grant.id, kind: grant.kind, userCode: grant.userCode, state: grant.state, payload: JSON.stringify(grant.payload), expiresAt: grant.expiresAtMs,
      });
    } catch (error) {
      if (((error as { code?: string }).code ?? '').startsWith('SQLITE_CONSTRAINT')) throw grantRefused((error as Error).message, error);
      throw error;
    }
  }

  async updateGrant(id: string, fromState: string, toState: string, payload?: Record<string, unknown>): Promise<boolean> {
    await this.importQueue;
    const changes = this.signIn.updateGrant.run({ id, fromState, toState, payload: payload === undefined ? null : JSON.stringify(payload) }).changes;
    return changes === 1;
  }

  async purgeGrants(expiredBeforeMs: number): Promise<number> {
    await this.importQueue;
    return this.signIn.purgeGrants.run(expiredBeforeMs).changes;
  }

  /**
   * Imports run one at a time, each in one transaction on a connection of its own: a streamed import
   * keeps its transaction open across chunks, and readers on the serving connection must go on seeing
   * only committed data meanwhile (WAL gives them the last committed snapshot).
   */
  importSeed(plans: SeedPlan | AsyncIterable<SeedPlan>, options: ImportOptions = {}): Promise<ImportSummary> {
    const run = this.importQueue.then(() => this.runImport(plans, options));
    this.importQueue = run.catch(() => undefined);
    return run;
  }

  private async runImport(plans: SeedPlan | AsyncIterable<SeedPlan>, options: ImportOptions): Promise<ImportSummary> {
    const writer = this.file === ':memory:' ? this.db : this.connect();
    try {
      let summary: ImportSummary;
      try {
        summary = await importInTransaction(writer, plans, options);
      } catch (error) {
        if (isBusy(error)) throw new StoreOpenError(`cannot import into ${this.file}: ${this.writeLockHeld()}; nothing was imported`);
        throw error;
      }
      return this.afterCommit(writer, summary);
    } finally {
      if (writer !== this.db) writer.close();
    }
  }

  /**
   * Best-effort work once the import is committed: tell listeners (caches), then refresh the query
   * planner's statistics. The data is in; a failure here becomes a warning in the summary, never the
   * import's failure. The statistics wait at most briefly for another writer (another process may
   * begin its own import the moment this one commits).
   */
  private afterCommit(writer: Database.Database, summary: ImportSummary): ImportSummary {
    const warnings: string[] = [];
    try {
      this.notifyChanged();
    } catch (error) {
      warnings.push(`the import was committed, but a data-change listener failed: ${(error as Error).message}`);
    }
    const busyTimeout = writer.pragma('busy_timeout', { simple: true }) as number;
    try {
      writer.pragma(`busy_timeout = ${POST_COMMIT_BUSY_TIMEOUT_MS}`);
      writer.pragma('optimize');
    } catch (error) {
      warnings.push(`the import was committed, but refreshing the query planner's statistics (PRAGMA optimize) failed: ${(error as Error).message}`);
    } finally {
      writer.pragma(`busy_timeout = ${busyTimeout}`);
    }
    return warnings.length > 0 ? { ...summary, warnings } : summary;
  }
}
