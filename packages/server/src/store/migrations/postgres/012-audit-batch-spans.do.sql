-- Nothing to do on PostgreSQL: a batch's packed events are stored out of line (TOAST), so reading
-- every batch's id, times and count touches few pages already (see sqlite/012-audit-batch-spans.do.sql).
-- Kept so both dialects share version numbers.
SELECT 1;
