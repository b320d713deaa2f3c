-- The console's customer browser (issue 13): customers paged by display name then tenant id (keyset),
-- searched by the start of the name, case-insensitively, at 1M customers. Under the C collation lower()
-- folds ASCII letters only and text compares by bytes, as in SQLite, so both stores order and match
-- alike. And a customer's partners, read by customer (the primary key leads with the partner).
CREATE INDEX customer_tenants_name ON customer_tenants ((lower(coalesce(display_name, '') COLLATE "C")), (tenant_id COLLATE "C"));
CREATE INDEX partner_customers_customer ON partner_customers (customer_tenant_id);
