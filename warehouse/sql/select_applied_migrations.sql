SELECT version, name, checksum FROM audit.schema_migrations ORDER BY version;
