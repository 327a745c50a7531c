-- The warehouse's own views (e.g. marts.focus_charges): recreated in the published catalog over its views.
SELECT schema_name, view_name, sql, coalesce(comment, '') AS comment
FROM duckdb_views()
WHERE NOT internal AND database_name = current_database()
ORDER BY schema_name, view_name;
