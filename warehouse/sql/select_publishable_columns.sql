-- Every column of every base table of the warehouse, in table order: what the published view mirrors.
SELECT c.table_schema, c.table_name, c.column_name, c.data_type
FROM information_schema.columns AS c
JOIN duckdb_tables() AS t ON t.schema_name = c.table_schema AND t.table_name = c.table_name
WHERE NOT t.internal AND t.database_name = current_database() AND c.table_catalog = current_database()
ORDER BY c.table_schema, c.table_name, c.ordinal_position;
