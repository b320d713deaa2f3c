/** Reads, prepared once at init on the serving connection. */
export const READ_SQL = {
  partnerByIdOrDomain: 'SELECT tenant_id, display_name, domain FROM partner_tenants WHERE tenant_id = @key OR domain = @key',
  partnerExists: 'SELECT 1 FROM partner_tenants WHERE tenant_id = ?',
  anyPartner: 'SELECT 1 FROM partner_tenants LIMIT 1',
  principal: 'SELECT * FROM principals WHERE tenant_id = ? AND object_id = ?',
  userByName: "SELECT * FROM principals WHERE tenant_id = ? AND upn_key = ? AND kind = 'user'",
  appByClientId: "SELECT * FROM principals WHERE tenant_id = ? AND client_id = ? AND kind = 'app'",
  credentialHashes: 'SELECT object_id, credential_hash FROM principals WHERE credential_hash IS NOT NULL AND object_id IN (SELECT value FROM json_each(?))',
  // Everything authorization needs about a (caller, customer) pair in one statement, as JSON: one
  // step through SQLite instead of five on a cache-cold call.
  accessFacts: `
    WITH RECURSIVE containing (group_id, depth) AS (
      SELECT group_id, 1 FROM group_members WHERE member_id = @memberId
      UNION
      SELECT gm.group_id, c.depth + 1 FROM group_members gm JOIN containing c ON gm.member_id = c.group_id WHERE c.depth < @maxDepth
    )
    SELECT
      (SELECT json_object('tenant_id', p.tenant_id, 'object_id', p.object_id, 'kind', p.kind, 'display_name', p.display_name,
                          'user_principal_name', p.user_principal_name, 'client_id', p.client_id, 'mfa_registered', p.mfa_registered)
       FROM principals p WHERE p.tenant_id = @tenantId AND p.object_id = @memberId) AS principal,
      (SELECT json_group_array(json_object('group_id', m.group_id, 'display_name', m.display_name, 'agent_role', m.agent_role, 'depth', m.depth))
       FROM (SELECT g.group_id, g.display_name, g.agent_role, MIN(c.depth) AS depth
             -- CROSS JOIN keeps this order: the caller's few groups first, then each group by key (left to
             -- itself the planner scans every group of every tenant).
             FROM containing c CROSS JOIN groups g ON g.group_id = c.group_id
             WHERE g.tenant_id = @tenantId
             GROUP BY g.group_id ORDER BY depth, g.display_name) m) AS memberships,
      (SELECT json_object('display_name', pc.display_name, 'dap_enabled', pc.dap_enabled,
                          'street', ct.street, 'country_letter_code', ct.country_letter_code, 'postal_code', ct.postal_code,
                          'city', ct.city, 'state', ct.state, 'organization_display_name', ct.display_name,
                          'technical_notification_mails', json(ct.technical_notification_mails))
       FROM partner_customers pc JOIN customer_tenants ct ON ct.tenant_id = pc.customer_tenant_id
       WHERE pc.partner_tenant_id = @tenantId AND pc.customer_tenant_id = @customerId) AS customer,
      (SELECT json_group_array(json_object('id', r.id, 'display_name', r.display_name, 'status', r.status, 'role_ids', json(r.role_ids),
                                           'end_date_time', r.end_date_time, 'assignment_id', r.assignment_id, 'group_id', r.group_id,
                                           'group_display_name', r.group_display_name, 'assignment_status', r.assignment_status,
                                           'assignment_role_ids', json(r.assignment_role_ids)))
       FROM (SELECT r.id, r.display_name, r.status, r.role_ids, r.end_date_time,
                    a.id AS assignment_id, a.group_id, g.display_name AS group_display_name, a.status AS assignment_status, a.role_ids AS assignment_role_ids
             FROM gdap_relationships r
             LEFT JOIN access_assignments a ON a.relationship_id = r.id
             LEFT JOIN groups g ON g.group_id = a.group_id
             WHERE r.partner_tenant_id = @tenantId AND r.customer_tenant_id = @customerId
             ORDER BY r.created_date_time, r.id, a.id) r) AS relationships`,
  organization: 'SELECT * FROM customer_tenants WHERE tenant_id = ?',
  relationshipDates: `
    SELECT id, created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source
    FROM gdap_relationships WHERE id IN (SELECT value FROM json_each(?))`,
} as const;

/** Writes, prepared per import on the import's own connection. */
export const WRITE_SQL = {
  partnerExists: 'SELECT 1 FROM partner_tenants WHERE tenant_id = ?',

  upsertPartner: `
    INSERT INTO partner_tenants (tenant_id, display_name, domain) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET display_name = excluded.display_name, domain = excluded.domain
    WHERE (display_name, domain) IS NOT (excluded.display_name, excluded.domain)`,
  principalExists: 'SELECT 1 FROM principals WHERE object_id = ?',
  upsertPrincipal: `
    INSERT INTO principals (object_id, tenant_id, kind, display_name, user_principal_name, upn_key, client_id, mfa_registered, credential_hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (object_id) DO UPDATE SET tenant_id = excluded.tenant_id, kind = excluded.kind, display_name = excluded.display_name,
      user_principal_name = excluded.user_principal_name, upn_key = excluded.upn_key, client_id = excluded.client_id,
      mfa_registered = excluded.mfa_registered, credential_hash = excluded.credential_hash
    WHERE (tenant_id, kind, display_name, user_principal_name, upn_key, client_id, mfa_registered, credential_hash)
      IS NOT (excluded.tenant_id, excluded.kind, excluded.display_name, excluded.user_principal_name, excluded.upn_key, excluded.client_id,
              excluded.mfa_registered, excluded.credential_hash)`,
  groupExists: 'SELECT 1 FROM groups WHERE group_id = ?',
  upsertGroup: `
    INSERT INTO groups (group_id, tenant_id, display_name, agent_role) VALUES (?, ?, ?, ?)
    ON CONFLICT (group_id) DO UPDATE SET tenant_id = excluded.tenant_id, display_name = excluded.display_name, agent_role = excluded.agent_role
    WHERE (tenant_id, display_name, agent_role) IS NOT (excluded.tenant_id, excluded.display_name, excluded.agent_role)`,
  removeOtherMemberships: 'DELETE FROM group_members WHERE member_id = ? AND group_id NOT IN (SELECT value FROM json_each(?))',
  addMembership: 'INSERT OR IGNORE INTO group_members (group_id, member_id, member_kind) VALUES (?, ?, ?)',
  customerExists: 'SELECT 1 FROM customer_tenants WHERE tenant_id = ?',
  upsertCustomer: `
    INSERT INTO customer_tenants (tenant_id, street, country_letter_code, postal_code, city, state, display_name, technical_notification_mails)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id) DO UPDATE SET street = excluded.street, country_letter_code = excluded.country_letter_code,
      postal_code = excluded.postal_code, city = excluded.city, state = excluded.state, display_name = excluded.display_name,
      technical_notification_mails = excluded.technical_notification_mails
    WHERE (street, country_letter_code, postal_code, city, state, display_name, technical_notification_mails)
      IS NOT (excluded.street, excluded.country_letter_code, excluded.postal_code, excluded.city, excluded.state, excluded.display_name, excluded.technical_notification_mails)`,
  partnerCustomerExists: 'SELECT 1 FROM partner_customers WHERE partner_tenant_id = ? AND customer_tenant_id = ?',
  upsertPartnerCustomer: `
    INSERT INTO partner_customers (partner_tenant_id, customer_tenant_id, display_name, dap_enabled) VALUES (?, ?, ?, ?)
    ON CONFLICT (partner_tenant_id, customer_tenant_id) DO UPDATE SET display_name = excluded.display_name, dap_enabled = excluded.dap_enabled
    WHERE (display_name, dap_enabled) IS NOT (excluded.display_name, excluded.dap_enabled)`,
  relationshipExists: 'SELECT 1 FROM gdap_relationships WHERE id = ?',
  upsertRelationship: `
    INSERT INTO gdap_relationships (id, partner_tenant_id, customer_tenant_id, display_name, status, role_ids, duration, auto_extend_duration,
      created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET partner_tenant_id = excluded.partner_tenant_id, customer_tenant_id = excluded.customer_tenant_id,
      display_name = excluded.display_name, status = excluded.status, role_ids = excluded.role_ids, duration = excluded.duration,
      auto_extend_duration = excluded.auto_extend_duration, created_date_time = excluded.created_date_time,
      created_date_source = excluded.created_date_source, activated_date_time = excluded.activated_date_time,
      activated_date_source = excluded.activated_date_source, end_date_time = excluded.end_date_time, end_date_source = excluded.end_date_source
    WHERE (partner_tenant_id, customer_tenant_id, display_name, status, role_ids, duration, auto_extend_duration,
           created_date_time, created_date_source, activated_date_time, activated_date_source, end_date_time, end_date_source)
      IS NOT (excluded.partner_tenant_id, excluded.customer_tenant_id, excluded.display_name, excluded.status, excluded.role_ids,
           excluded.duration, excluded.auto_extend_duration, excluded.created_date_time, excluded.created_date_source,
           excluded.activated_date_time, excluded.activated_date_source, excluded.end_date_time, excluded.end_date_source)`,
  // One statement per plan: an assignment listed anywhere in the plan (even under another relationship) is kept.
  removeOtherAssignments: `DELETE FROM access_assignments WHERE relationship_id IN (SELECT value FROM json_each(@relationships))
    AND id NOT IN (SELECT value FROM json_each(@keep))`,
  assignmentExists: 'SELECT 1 FROM access_assignments WHERE id = ?',
  upsertAssignment: `
    INSERT INTO access_assignments (id, relationship_id, group_id, status, role_ids) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET relationship_id = excluded.relationship_id, group_id = excluded.group_id, status = excluded.status, role_ids = excluded.role_ids
    WHERE (relationship_id, group_id, status, role_ids) IS NOT (excluded.relationship_id, excluded.group_id, excluded.status, excluded.role_ids)`,
} as const;
