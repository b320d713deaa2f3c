/**
 * The Graph surface's rows on PostgreSQL: the shared statements numbered for `pg`, and the driver that
 * runs a write's statements on one client inside the caller's transaction.
 */
import type pg from 'pg';
import type { GdapWrite, GdapWriteResult } from '../gdap-rows.js';
import { GDAP_SQL, numbered, RESET_SQL } from '../gdap-sql.js';
import { gdapWriteSteps } from '../gdap-writes.js';
import type { Row } from '../rows.js';

export const PG_GDAP_SQL = Object.fromEntries(Object.entries(GDAP_SQL).map(([name, sql]) => [name, numbered(sql)])) as Record<keyof typeof GDAP_SQL, string>;
export const PG_RESET_SQL = RESET_SQL;

/** Each statement's PostgreSQL text, numbered once. */
const NUMBERED = new Map<string, string>();
function numberedOnce(sql: string): string {
  let text = NUMBERED.get(sql);
  if (text === undefined) NUMBERED.set(sql, (text = numbered(sql)));
  return text;
}

/** Runs the write's statements in order on `client`; the caller owns BEGIN, COMMIT and ROLLBACK. */
export async function runGdapWrite(client: pg.PoolClient, write: GdapWrite): Promise<GdapWriteResult> {
  const steps = gdapWriteSteps(write);
  let next = steps.next();
  while (!next.done) {
    const { sql, values, rows } = next.value;
    const result = await client.query<Row>(numberedOnce(sql), values);
    next = steps.next(rows ? { changes: 0, rows: result.rows } : { changes: result.rowCount ?? 0, rows: [] });
  }
  return next.value;
}
