-- The new catalog's record of itself, from the polars frames the publisher registered.
INSERT INTO published.generation SELECT generation, now()::TIMESTAMP, warehouse FROM generation_rows;
INSERT INTO published.files SELECT table_name, partition_path, file FROM file_rows;
INSERT INTO published.tables SELECT table_name, columns, fingerprint FROM table_rows;
INSERT INTO published.loads SELECT load_id FROM load_rows;
