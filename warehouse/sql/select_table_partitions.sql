-- Every partition of a table ({parts}: partition columns as text): what a full publish writes.
SELECT DISTINCT {parts} FROM {table};
