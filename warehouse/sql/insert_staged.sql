-- Bulk insert of the staged Parquet parts of a load (one glob) in one statement, matched by column name
-- ({table}: an identifier only; $path is bound). One large INSERT keeps DuckDB's transaction-local memory bounded.
INSERT INTO {table} BY NAME SELECT * FROM read_parquet($path);
