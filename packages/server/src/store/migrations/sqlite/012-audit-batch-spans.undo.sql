DROP INDEX IF EXISTS audit_batches_span;
