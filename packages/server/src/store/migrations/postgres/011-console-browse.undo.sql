DROP INDEX partner_customers_customer;
DROP INDEX customer_tenants_name;
