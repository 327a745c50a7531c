-- One-line descriptions of the base tables (COMMENT ON), copied onto the published views.
SELECT schema_name, table_name, coalesce(comment, '') AS comment
FROM duckdb_tables()
WHERE NOT internal AND database_name = current_database();
