-- The key ledger of one load: the key columns of the first registered chunk, no rows ({chunk}: identifier).
CREATE TABLE seen_keys AS SELECT {cols} FROM {chunk} LIMIT 0;
