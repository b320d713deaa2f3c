-- What other processes poll to learn that cached data changed: bumped in the same transaction by
-- imports and signing-key writes, and by nothing else. PRAGMA data_version alone changes on every
-- commit, sign-in grants and consents included, which would flush every process's caches at each
-- sign-in or token refresh.
CREATE TABLE change_counter (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL
);
INSERT INTO change_counter (id, version) VALUES (1, 0);
