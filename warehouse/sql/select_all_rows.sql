-- Every row of one table, streamed as Arrow batches for export ({table}: an identifier checked against the catalog).
SELECT * FROM {table};
