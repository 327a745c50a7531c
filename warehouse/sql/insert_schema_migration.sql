INSERT INTO audit.schema_migrations (version, name, checksum, applied_at_utc) VALUES ($version, $name, $checksum, $applied_at_utc);
