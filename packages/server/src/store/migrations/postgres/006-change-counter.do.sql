-- Nothing to do on PostgreSQL: imports and signing-key writes NOTIFY other processes, sign-in writes
-- do not (SQLite needs a table for this; see sqlite/006-change-counter.do.sql). Kept so both dialects
-- share version numbers.
SELECT 1;
