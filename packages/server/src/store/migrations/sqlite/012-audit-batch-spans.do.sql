-- The audit trail's batches by span (issue 12): pruning reads every batch's id, times and count at
-- each flush. A batch row carries its packed events, about 4 KB of them in the row's own page, so the
-- table holds one batch a page and that read touched some 300 pages at 1,000,000 events kept, evicted
-- from the cache by the flushes in between (1.5% of a busy server's time). This covering index holds
-- them in a few pages. The audit file beside a data file gets it too (sqlite-audit.ts).
CREATE INDEX IF NOT EXISTS audit_batches_span ON audit_batches (min_at, max_at, count);
