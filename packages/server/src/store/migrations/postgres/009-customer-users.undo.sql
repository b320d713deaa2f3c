DROP TABLE customer_users;
