-- The partitions ({parts}: partition columns as text) holding rows written by the given loads.
SELECT DISTINCT {parts} FROM {table} WHERE load_id IN (SELECT unnest(CAST($loads AS VARCHAR[])));
