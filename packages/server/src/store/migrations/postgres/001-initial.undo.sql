DROP TABLE access_assignments;
DROP TABLE gdap_relationships;
DROP TABLE partner_customers;
DROP TABLE customer_tenants;
DROP TABLE group_members;
DROP TABLE groups;
DROP TABLE principals;
DROP TABLE partner_tenants;
