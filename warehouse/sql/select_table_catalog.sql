-- Every table and view of the warehouse with its one-line description (COMMENT ON, migrations 090/190),
-- for `pbw sql --tables` and `SHOW TABLES` (DuckDB's own shows the `main` schema only, which is empty).
SELECT schema_name AS "schema", table_name AS name, 'table' AS kind, coalesce(comment, '') AS description
FROM duckdb_tables()
WHERE NOT internal AND database_name = current_database()
UNION ALL
SELECT schema_name, view_name, 'view', coalesce(comment, '')
FROM duckdb_views()
WHERE NOT internal AND database_name = current_database()
ORDER BY 1, 2
