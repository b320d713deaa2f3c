/**
 * The PostgreSQL store, for many stateless pcapi processes: a connection pool, named (prepared)
 * reads, one round trip per access decision, batched writes in one transaction per import.
 */
import pg from 'pg';
import type { CustomerOrganization } from '@pcapi/contracts';
import type { AccessFacts, PartnerTenant, PrincipalCredential } from '../../domain/model.js';
import type { StoredRelationshipDates } from '../../seed/plan-seed.js';
import type { SeedPlan } from '../../seed/seed-plan.js';
import { loadMigrations } from '../migrations.js';
import { toSigningKey } from '../rows.js';
import type { CustomerPageQuery, CustomerUser, RelationshipFilter, StoredCustomerPartner, StoredCustomerSummary, StoredSigningKey } from '../store.js';
import {
  customerPageStatement, customerPartnersStatement, PARTNER_CUSTOMER_COUNT_SQL, partnerTenantsSql, toCustomerPartner, toCustomerSummary, toPartnerTenant,
  type ConsoleStatement,
} from '../console-sql.js';
import { numbered } from '../gdap-sql.js';
import { SIGNING_KEYS } from './postgres-statements.js';
import { PG_GDAP_SQL, runGdapWrite } from './postgres-gdap.js';
import { importInTransaction } from './postgres-import.js';
import { PostgresChangeFeed } from './postgres-changes.js';
import { PostgresAudit } from './postgres-audit.js';
import type { AuditPruning } from '../audit-sql.js';
import type { AuditEventColumns } from '../../domain/audit-event-columns.js';
import type { AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import type { GdapWrite, GdapWriteResult, StoredAssignment, StoredGroup, StoredGroupMember, StoredRelationship, StoredRelationshipRequest } from '../gdap-rows.js';
import { toCustomerUser, toStoredAssignment, toStoredGroup, toStoredGroupMember, toStoredRelationship, toStoredRequest } from '../gdap-row-mapping.js';
import {
  EXPORT_READS, grantRefused, type ExportTables, toAccessFacts, toConsent, toGrant, toOrganization, toPrincipal, toRelationshipDates, toStoredRows, type Row,
} from '../rows.js';
import {
  StoreOpenError, StoreUnavailableError, type ImportOptions, type ImportSummary, type Store, type StoredConsent, type StoredGrant, type StoredRows,
} from '../store.js';
import { READS, SIGN_IN_WRITES } from './postgres-statements.js';

/** The channel imports NOTIFY on commit, so every process's caches learn of the change. */
const CHANGE_CHANNEL = 'pcapi_data_changed';
/** Imports that change at least this many rows refresh the planner's statistics. */
const ANALYZE_AFTER_ROWS = 10_000;
/** Serializes migrations when several processes start at once. */
const MIGRATION_LOCK = 7_407_281_023;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

export function isConnectionError(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  if (code && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i.test(message ?? '');
}

export interface PostgresStoreOptions {
  poolSize?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private readonly audit: PostgresAudit;
  private readonly changes: PostgresChangeFeed;
  /** Where, for messages: never the password. */
  readonly location: string;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    const parsed = new URL(url);
    this.location = `postgres://${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 30_000,
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      application_name: 'pcapi',
    });
    // A client losing its connection (a server restart, a terminated backend) is not fatal: its query
    // fails, and the next one reconnects. Every client has an 'error' listener for its whole life, as
    // node-postgres's maintainers advise (brianc/node-postgres#2439): the pool's own come and go as a
    // client is checked out and back, and an 'error' with no listener ends the process (seen once in
    // this suite: 57P01 while a test database was dropped under a running server).
    const ignore = () => undefined;
    this.pool.on('error', ignore);
    this.pool.on('connect', (client) => client.on('error', ignore));
    this.pool.on('remove', (client) => client.off('error', ignore));
    this.audit = new PostgresAudit(this.pool);
    this.changes = new PostgresChangeFeed(url, CHANGE_CHANNEL);
  }

  async init(): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreOpenError(`cannot connect to PostgreSQL at ${this.location}: ${(error as Error).message || (error as { code?: string }).code}`);
    }
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)');
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
      const migrations = loadMigrations('postgres');
      const newest = Math.max(0, ...migrations.map((m) => m.version));
      const unknown = [...applied].filter((version) => version > newest);
      if (unknown.length > 0) {
        throw new StoreOpenError(`database ${this.location} has schema version ${Math.max(...unknown)}, newer than this pcapi knows (${newest}); upgrade pcapi`);
      }
      for (const migration of migrations.filter((m) => !applied.has(m.version))) {
        await client.query('BEGIN');
        try {
          await client.query(migration.doSql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new StoreOpenError(`migration ${migration.version}-${migration.name} failed on ${this.location}: ${(error as Error).message}`);
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.changes.close();
    await this.pool.end();
  }

  onDataChanged(listener: () => void): void {
    this.changes.add(listener);
  }

  hearingOthers(): Promise<void> {
    return this.changes.hearing();
  }

  /** Tells this process's listeners at once (other processes hear the NOTIFY). */
  private notifyChanged(): void {
    this.changes.tellListeners();
  }

  /** A named read: prepared once per pooled connection. Connection failures become StoreUnavailableError. */
  private async read(name: keyof typeof READS, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>({ name: `pcapi_${name}`, text: READS[name], values })).rows;
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * A named sign-in write; returns the rows it changed. Connection failures become StoreUnavailableError.
   * No NOTIFY: these rows change nothing a cached decision depends on.
   */
  private async write(name: keyof typeof SIGN_IN_WRITES, values: unknown[]): Promise<number> {
    try {
      return (await this.pool.query({ name: `pcapi_${name}`, text: SIGN_IN_WRITES[name], values })).rowCount ?? 0;
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Connection failures become StoreUnavailableError. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  async appendAudit(events: AuditEventColumns): Promise<void> {
    return this.guarded(() => this.audit.append(events));
  }

  async auditEvents(query: AuditQuery): Promise<StoredAuditEvent[]> {
    return this.guarded(() => this.audit.query(query));
  }

  async pruneAudit(pruning: AuditPruning): Promise<number> {
    return this.guarded(() => this.audit.prune(pruning));
  }

  private async gdapRead(name: keyof typeof PG_GDAP_SQL, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>({ name: `pcapi_gdap_${name}`, text: PG_GDAP_SQL[name], values })).rows;
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  async gdapRelationships(partnerTenantId: string, filter: RelationshipFilter = {}): Promise<StoredRelationship[]> {
    const partner = partnerTenantId.toLowerCase();
    const customer = filter.customerTenantId?.toLowerCase();
    const rows = filter.id !== undefined
      ? (await this.gdapRead('relationship', [partner, filter.id.toLowerCase()])).filter((row) => customer === undefined || row.customer_tenant_id === customer)
      : customer !== undefined
        ? await this.gdapRead('relationshipsOfCustomer', [partner, customer])
        : await this.gdapRead('relationships', [partner]);
    return rows.map(toStoredRelationship);
  }

  async accessAssignments(relationshipId: string): Promise<StoredAssignment[]> {
    return (await this.gdapRead('assignments', [relationshipId])).map(toStoredAssignment);
  }

  async relationshipRequests(relationshipId: string): Promise<StoredRelationshipRequest[]> {
    return (await this.gdapRead('requests', [relationshipId])).map(toStoredRequest);
  }

  async directoryGroups(tenantId: string): Promise<StoredGroup[]> {
    return (await this.gdapRead('groups', [tenantId.toLowerCase()])).map(toStoredGroup);
  }

  async groupMembers(groupId: string): Promise<StoredGroupMember[]> {
    return (await this.gdapRead('members', [groupId.toLowerCase()])).map(toStoredGroupMember);
  }

  async directoryPrincipals(tenantId: string): Promise<PrincipalCredential[]> {
    return (await this.gdapRead('principals', [tenantId.toLowerCase()])).map((row) => toPrincipal(row)!);
  }

  async gdapRelationshipById(id: string): Promise<StoredRelationship | undefined> {
    const [row] = await this.gdapRead('relationshipById', [id.toLowerCase()]);
    return row && toStoredRelationship(row);
  }

  async findCustomerUser(tenantId: string, userPrincipalName: string): Promise<CustomerUser | undefined> {
    const [row] = await this.gdapRead('customerUser', [tenantId.toLowerCase(), userPrincipalName.toLowerCase()]);
    return row && toCustomerUser(row);
  }

  async emulatorSetting(name: string): Promise<unknown> {
    const [row] = await this.gdapRead('emulatorSetting', [name]);
    return row === undefined ? undefined : JSON.parse(row.value as string);
  }

  /** One write in a transaction that NOTIFYs on commit like an import; a write that does not apply is rolled back whole. */
  async writeGdap(write: GdapWrite): Promise<GdapWriteResult> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
    }
    let lost = false;
    try {
      await client.query('BEGIN');
      const result = await runGdapWrite(client, write);
      if (result !== 'ok') {
        await client.query('ROLLBACK');
        return result;
      }
      await client.query(`NOTIFY ${CHANGE_CHANNEL}`);
      await client.query('COMMIT');
      this.notifyChanged();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isConnectionError(error)) {
        lost = true;
        throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      }
      // A row the write refers to (a group, a customer) is gone: the service read it before.
      if ((error as { code?: string }).code === '23503') return 'missing';
      throw error;
    } finally {
      client.release(lost);
    }
  }

  async findPartnerTenant(tenantIdOrDomain: string): Promise<PartnerTenant | undefined> {
    const [row] = await this.read('partnerByIdOrDomain', [tenantIdOrDomain.toLowerCase()]);
    return row && { tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: row.domain as string | null };
  }

  async isPartnerTenant(tenantId: string): Promise<boolean> {
    return (await this.read('partnerExists', [tenantId.toLowerCase()])).length > 0;
  }

  async isEmpty(): Promise<boolean> {
    return (await this.read('anyPartner', [])).length === 0;
  }

  async findUserByName(tenantId: string, userPrincipalName: string): Promise<PrincipalCredential | undefined> {
    return toPrincipal((await this.read('userByName', [tenantId.toLowerCase(), userPrincipalName.toLowerCase()]))[0]);
  }

  async findAppByClientId(tenantId: string, clientId: string): Promise<PrincipalCredential | undefined> {
    return toPrincipal((await this.read('appByClientId', [tenantId.toLowerCase(), clientId.toLowerCase()]))[0]);
  }

  async partnersHoldingPrincipal(principal: { clientId: string } | { userPrincipalName: string }): Promise<PartnerTenant[]> {
    const rows = 'clientId' in principal
      ? await this.read('partnersHoldingApp', [principal.clientId.toLowerCase()])
      : await this.read('partnersHoldingUser', [principal.userPrincipalName.toLowerCase()]);
    return rows.map((row) => ({ tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: row.domain as string | null }));
  }

  async findPrincipal(tenantId: string, objectId: string): Promise<PrincipalCredential | undefined> {
    return toPrincipal((await this.read('principal', [tenantId.toLowerCase(), objectId.toLowerCase()]))[0]);
  }

  async credentialHashes(objectIds: string[]): Promise<Map<string, string>> {
    const rows = await this.read('credentialHashes', [objectIds]);
    return new Map(rows.map((row) => [row.object_id as string, row.credential_hash as string]));
  }

  async relationshipDates(relationshipIds: string[]): Promise<Map<string, StoredRelationshipDates>> {
    const rows = await this.read('relationshipDates', [relationshipIds]);
    return new Map(rows.map((row) => [row.id as string, toRelationshipDates(row)]));
  }

  async exportRows(): Promise<StoredRows> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
    try {
      // One snapshot for every table; no statement timeout, since a large store takes a while to read.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SET LOCAL statement_timeout = 0');
      const tables = {} as ExportTables;
      for (const [name, sql] of Object.entries(EXPORT_READS) as [keyof typeof EXPORT_READS, string][]) {
        tables[name] = (await client.query<Row>(sql)).rows;
      }
      await client.query('COMMIT');
      return toStoredRows(tables);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    } finally {
      client.release();
    }
  }

  async accessFacts(query: { partnerTenantId: string; principalObjectId: string; customerTenantId: string; maxGroupDepth: number }): Promise<AccessFacts> {
    const customerId = query.customerTenantId.toLowerCase();
    const [row] = await this.read('accessFacts', [query.partnerTenantId.toLowerCase(), query.principalObjectId.toLowerCase(), customerId, query.maxGroupDepth]);
    return toAccessFacts(row!, customerId);
  }

  async organization(customerTenantId: string): Promise<CustomerOrganization | undefined> {
    return toOrganization((await this.read('organization', [customerTenantId.toLowerCase()]))[0]);
  }

  /** The console's reads (../console-sql.ts): a page's text varies with its filters, so these go unnamed. */
  private async consoleRead({ sql, values }: ConsoleStatement): Promise<Row[]> {
    return this.guarded(async () => (await this.pool.query<Row>(numbered(sql), values)).rows);
  }

  async partnerTenants(): Promise<PartnerTenant[]> {
    return (await this.consoleRead({ sql: partnerTenantsSql('postgres'), values: [] })).map(toPartnerTenant);
  }

  async partnerCustomerCount(partnerTenantId: string): Promise<number> {
    return Number((await this.consoleRead({ sql: PARTNER_CUSTOMER_COUNT_SQL, values: [partnerTenantId.toLowerCase()] }))[0]!.n);
  }

  async customerPage(query: CustomerPageQuery): Promise<StoredCustomerSummary[]> {
    return (await this.consoleRead(customerPageStatement('postgres', { ...query, partnerTenantId: query.partnerTenantId?.toLowerCase() }))).map(toCustomerSummary);
  }

  async customerPartners(customerTenantIds: string[]): Promise<StoredCustomerPartner[]> {
    if (customerTenantIds.length === 0) return [];
    return (await this.consoleRead(customerPartnersStatement('postgres', customerTenantIds))).map(toCustomerPartner);
  }

  async signingKeys(): Promise<StoredSigningKey[]> {
    try {
      return (await this.pool.query<Row>(SIGNING_KEYS.list)).rows.map(toSigningKey);
    } catch (error) {
      if (isConnectionError(error)) throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      throw error;
    }
  }

  async insertSigningKey(key: StoredSigningKey, { onlyIfNone = false }: { onlyIfNone?: boolean } = {}): Promise<boolean> {
    return this.writeSigningKeys(async (client) => {
      if (onlyIfNone) await client.query(SIGNING_KEYS.lock);
      const values = [key.kid, JSON.stringify(key.privateJwk), key.certificate, key.createdAtMs, key.signsFromMs, key.publishedUntilMs, onlyIfNone];
      return ((await client.query(SIGNING_KEYS.insert, values)).rowCount ?? 0) > 0;
    });
  }

  async setSigningKeyPublishedUntil(kid: string, publishedUntilMs: number | null): Promise<boolean> {
    return this.writeSigningKeys(async (client) => ((await client.query(SIGNING_KEYS.setPublishedUntil, [kid, publishedUntilMs])).rowCount ?? 0) > 0);
  }

  /**
   * One key write in a transaction that, when it changed a row, NOTIFYs on commit like an import:
   * every process's key ring (and caches) reloads. Connection failures become StoreUnavailableError.
   */
  private async writeSigningKeys(work: (client: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
    }
    let lost = false;
    try {
      await client.query('BEGIN');
      const changed = await work(client);
      if (changed) await client.query(`NOTIFY ${CHANGE_CHANNEL}`);
      await client.query('COMMIT');
      if (changed) this.notifyChanged();
      return changed;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isConnectionError(error)) {
        lost = true;
        throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
      }
      throw error;
    } finally {
      client.release(lost);
    }
  }

  async consents(tenantId: string, clientId: string, principalObjectId: string): Promise<StoredConsent[]> {
    return (await this.read('consents', [tenantId.toLowerCase(), clientId.toLowerCase(), principalObjectId.toLowerCase()])).map(toConsent);
  }

  async putConsent(consent: StoredConsent): Promise<void> {
    await this.write('putConsent', [
      consent.tenantId.toLowerCase(), consent.clientId.toLowerCase(), consent.principalObjectId.toLowerCase(), JSON.stringify(consent.scopes), consent.grantedAtMs,
    ]);
  }

  async deleteConsent(tenantId: string, clientId: string, principalObjectId: string): Promise<boolean> {
    return (await this.write('deleteConsent', [tenantId.toLowerCase(), clientId.toLowerCase(), principalObjectId.toLowerCase()])) > 0;
  }

  async putGrant(grant: StoredGrant): Promise<void> {
    try {
      await this.write('putGrant', [grant.id, grant.kind, grant.userCode, grant.state, JSON.stringify(grant.payload), grant.expiresAtMs]);
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '23505' || code === '23514') throw grantRefused(`${constraint ?? ''} ${(error as Error).message}`, error);
      throw error;
    }
  }

  async findGrant(id: string): Promise<StoredGrant | undefined> {
    return toGrant((await this.read('grant', [id]))[0]);
  }

  async findGrantByUserCode(userCode: string): Promise<StoredGrant | undefined> {
    return toGrant((await this.read('grantByUserCode', [userCode]))[0]);
  }

  async updateGrant(id: string, fromState: string, toState: string, payload?: Record<string, unknown>): Promise<boolean> {
    return (await this.write('updateGrant', [id, fromState, toState, payload === undefined ? null : JSON.stringify(payload)])) === 1;
  }

  async purgeGrants(expiredBeforeMs: number): Promise<number> {
    return this.write('purgeGrants', [expiredBeforeMs]);
  }

  async importSeed(plans: SeedPlan | AsyncIterable<SeedPlan>, options: ImportOptions = {}): Promise<ImportSummary> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new StoreUnavailableError(`PostgreSQL at ${this.location} is unavailable: ${(error as Error).message}`);
    }
    let lost = false;
    try {
      let summary: ImportSummary;
      try {
        // The NOTIFY is delivered to every listening process when the transaction commits, never if it rolls back.
        summary = await importInTransaction(client, plans, options, `NOTIFY ${CHANGE_CHANNEL}`);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        lost = true;
        throw new StoreUnavailableError(`PostgreSQL at ${this.location} was lost during the import; nothing was imported`);
      }
      const done = await this.afterCommit(client, summary);
      lost = done.lost;
      return done.summary;
    } finally {
      client.release(lost);
    }
  }

  /**
   * Best-effort work once the import is committed: tell this process's listeners (caches), then
   * refresh the planner's statistics after a bulk load, so prepared statements keep index plans (a
   * stale planner would hash-join a million assignments; autovacuum would get there, but later). The
   * data is in: a failure here becomes a warning in the summary, never the import's failure.
   */
  private async afterCommit(client: pg.PoolClient, summary: ImportSummary): Promise<{ summary: ImportSummary; lost: boolean }> {
    const warnings: string[] = [];
    let lost = false;
    try {
      this.notifyChanged();
    } catch (error) {
      warnings.push(`the import was committed, but a data-change listener failed: ${(error as Error).message}`);
    }
    if (summary.inserted + summary.updated >= ANALYZE_AFTER_ROWS) {
      try {
        await client.query('ANALYZE');
      } catch (error) {
        lost = isConnectionError(error);
        warnings.push(`the import was committed, but refreshing the query planner's statistics (ANALYZE) failed: ${(error as Error).message}`);
      }
    }
    return { summary: warnings.length > 0 ? { ...summary, warnings } : summary, lost };
  }
}
