DROP TABLE audit_generation;
DROP TABLE audit_events;
DROP TABLE audit_subjects;
