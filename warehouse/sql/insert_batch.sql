-- Bulk insert of one registered Arrow batch, matched by column name ({table}, {batch}: identifiers only).
INSERT INTO {table} BY NAME SELECT * FROM {batch};
