/** The console's browsing reads on SQLite, on the serving connection (statements in ../console-sql.ts). */
import type Database from 'better-sqlite3';
import type { PartnerTenant } from '../../domain/model.js';
import {
  customerPageStatement, customerPartnersStatement, PARTNER_CUSTOMER_COUNT_SQL, partnerTenantsSql, toCustomerPartner, toCustomerSummary, toPartnerTenant,
  walkPartnerPage,
  type ConsoleStatement,
} from '../console-sql.js';
import type { Row } from '../rows.js';
import type { CustomerPageQuery, StoredCustomerPartner, StoredCustomerSummary } from '../store.js';

export class SqliteConsole {
  /** Statements by text: a page's text varies only with which filters it has, so this stays small. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private all({ sql, values }: ConsoleStatement): Row[] {
    let prepared = this.statements.get(sql);
    if (!prepared) this.statements.set(sql, (prepared = this.db.prepare(sql)));
    return prepared.all(...values) as Row[];
  }

  partnerTenants(): PartnerTenant[] {
    return this.all({ sql: partnerTenantsSql('sqlite'), values: [] }).map(toPartnerTenant);
  }

  partnerCustomerCount(partnerTenantId: string): number {
    return Number(this.all({ sql: PARTNER_CUSTOMER_COUNT_SQL, values: [partnerTenantId] })[0]!.n);
  }

  customerPage(query: CustomerPageQuery): StoredCustomerSummary[] {
    const { partnerTenantId } = query;
    const walked = partnerTenantId === undefined ? undefined : walkPartnerPage({ ...query, partnerTenantId }, (statement) => this.all(statement));
    return walked ?? this.all(customerPageStatement('sqlite', query)).map(toCustomerSummary);
  }

  customerPartners(customerTenantIds: string[]): StoredCustomerPartner[] {
    if (customerTenantIds.length === 0) return [];
    return this.all(customerPartnersStatement('sqlite', customerTenantIds)).map(toCustomerPartner);
  }
}
