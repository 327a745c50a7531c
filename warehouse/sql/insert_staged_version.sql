-- Staged rows of one monthly-bill version, stamped with the version the commit decided ({table}: an
-- identifier only; $path and $version are bound). Staged before the version is known, so it is set here.
INSERT INTO {table} BY NAME SELECT * REPLACE (CAST($version AS INTEGER) AS version) FROM read_parquet($path);
