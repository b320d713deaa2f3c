/**
 * The Graph surface's reads and writes, written once with `?` placeholders: SQLite runs them as they
 * are, PostgreSQL after `numbered()` (both understand ON CONFLICT, and take ISO text for their time
 * columns and JSON text for role lists).
 */
const RELATIONSHIP_SELECT = `
  SELECT r.*, pc.display_name AS customer_display_name
  FROM gdap_relationships r
  JOIN partner_customers pc ON pc.partner_tenant_id = r.partner_tenant_id AND pc.customer_tenant_id = r.customer_tenant_id`;

export const GDAP_SQL = {
  relationships: `${RELATIONSHIP_SELECT} WHERE r.partner_tenant_id = ? ORDER BY r.created_date_time, r.id`,
  relationship: `${RELATIONSHIP_SELECT} WHERE r.partner_tenant_id = ? AND r.id = ?`,
  relationshipsOfCustomer: `${RELATIONSHIP_SELECT} WHERE r.partner_tenant_id = ? AND r.customer_tenant_id = ? ORDER BY r.created_date_time, r.id`,
  relationshipById: `${RELATIONSHIP_SELECT} WHERE r.id = ?`,
  customerUser: 'SELECT * FROM customer_users WHERE tenant_id = ? AND upn_key = ?',
  relationshipVersion: 'SELECT version FROM gdap_relationships WHERE id = ? AND partner_tenant_id = ?',
  // A relationship's customer becomes the partner's customer if it was not yet (as accepting a GDAP
  // invitation makes it in Partner Center).
  linkCustomer: `
    INSERT INTO partner_customers (partner_tenant_id, customer_tenant_id, display_name, dap_enabled) VALUES (?, ?, ?, ?)
    ON CONFLICT (partner_tenant_id, customer_tenant_id) DO NOTHING`,
  insertRelationship: `
    INSERT INTO gdap_relationships (id, partner_tenant_id, customer_tenant_id, display_name, status, status_since, role_ids, duration,
      auto_extend_duration, created_date_time, last_modified_date_time, activated_date_time, end_date_time,
      created_date_source, activated_date_source, end_date_source, version)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (id) DO NOTHING`,
  updateRelationship: `
    UPDATE gdap_relationships SET customer_tenant_id = ?, display_name = ?, status = ?, status_since = ?, role_ids = ?, duration = ?,
      auto_extend_duration = ?, last_modified_date_time = ?, activated_date_time = ?, end_date_time = ?,
      activated_date_source = ?, end_date_source = ?, version = version + 1
    WHERE id = ? AND partner_tenant_id = ? AND version = ?`,
  deleteRelationshipRequests: 'DELETE FROM relationship_requests WHERE relationship_id = ?',
  deleteRelationshipAssignments: 'DELETE FROM access_assignments WHERE relationship_id = ?',
  deleteRelationship: 'DELETE FROM gdap_relationships WHERE id = ? AND partner_tenant_id = ? AND version = ?',

  assignments: 'SELECT * FROM access_assignments WHERE relationship_id = ? ORDER BY created_date_time, id',
  assignmentVersion: 'SELECT version FROM access_assignments WHERE id = ? AND relationship_id = ?',
  insertAssignment: `
    INSERT INTO access_assignments (id, relationship_id, group_id, status, status_since, role_ids, created_date_time, last_modified_date_time, version)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)
    ON CONFLICT (id) DO NOTHING`,
  updateAssignment: `
    UPDATE access_assignments SET status = ?, status_since = ?, role_ids = ?, last_modified_date_time = ?, version = version + 1
    WHERE id = ? AND relationship_id = ? AND version = ?`,

  requests: 'SELECT * FROM relationship_requests WHERE relationship_id = ? ORDER BY created_date_time, id',
  insertRequest: `
    INSERT INTO relationship_requests (id, relationship_id, action, status, created_date_time, last_modified_date_time) VALUES (?, ?, ?, ?, ?, ?)`,

  groups: 'SELECT * FROM groups WHERE tenant_id = ? ORDER BY display_name, group_id',
  insertGroup: `
    INSERT INTO groups (group_id, tenant_id, display_name, agent_role, description, mail_nickname, created_date_time) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (group_id) DO NOTHING`,
  groupExists: 'SELECT 1 FROM groups WHERE group_id = ?',
  members: 'SELECT group_id, member_id, member_kind FROM group_members WHERE group_id = ? ORDER BY member_id',
  addMember: 'INSERT INTO group_members (group_id, member_id, member_kind) VALUES (?, ?, ?) ON CONFLICT (member_id, group_id) DO NOTHING',
  removeMember: 'DELETE FROM group_members WHERE group_id = ? AND member_id = ?',
  principals: 'SELECT * FROM principals WHERE tenant_id = ? ORDER BY display_name, object_id',

  emulatorSetting: 'SELECT value FROM emulator_settings WHERE name = ?',
  putEmulatorSetting: 'INSERT INTO emulator_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
} as const;

/**
 * What an import with `replace` deletes first, children before parents: every row a seed can hold,
 * and the sign-in grants of the principals it held. Signing keys and emulator settings stay.
 */
export const RESET_SQL = [
  'DELETE FROM relationship_requests', 'DELETE FROM access_assignments', 'DELETE FROM gdap_relationships', 'DELETE FROM partner_customers',
  'DELETE FROM customer_users', 'DELETE FROM customer_tenants', 'DELETE FROM group_members', 'DELETE FROM groups', 'DELETE FROM consents', 'DELETE FROM sign_in_grants',
  'DELETE FROM principals', 'DELETE FROM partner_tenants',
] as const;

/** `?` placeholders as PostgreSQL's `$1, $2, …`. */
export function numbered(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
}
