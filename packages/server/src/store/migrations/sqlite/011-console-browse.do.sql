-- The console's customer browser (issue 13): customers paged by display name then tenant id (keyset),
-- searched by the start of the name, case-insensitively, at 1M customers. The key folds ASCII letters
-- only (SQLite's lower()), as PostgreSQL's index does with the C collation, so both stores order and
-- match alike. And a customer's partners, read by customer (the primary key leads with the partner).
CREATE INDEX customer_tenants_name ON customer_tenants (lower(coalesce(display_name, '')), tenant_id);
CREATE INDEX partner_customers_customer ON partner_customers (customer_tenant_id);
