-- The partner whose seed file first set a customer's organization details: only that partner's files
-- may change them (docs/seed-format.md). Customers imported before: the first of their partners by id.
ALTER TABLE customer_tenants ADD COLUMN organization_owner_tenant_id TEXT;
UPDATE customer_tenants SET organization_owner_tenant_id =
  (SELECT min(pc.partner_tenant_id) FROM partner_customers pc WHERE pc.customer_tenant_id = customer_tenants.tenant_id);
