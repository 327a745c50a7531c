-- Record the keys of a registered chunk in the load's key ledger ({cols}, {chunk}: identifiers).
INSERT INTO seen_keys SELECT DISTINCT {cols} FROM {chunk};
