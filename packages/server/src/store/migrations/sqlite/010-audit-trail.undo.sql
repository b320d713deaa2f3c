DROP TABLE audit_generation;
DROP TABLE audit_batches;
DROP TABLE audit_subjects;
