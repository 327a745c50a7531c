-- Exact DECIMAL totals of the money columns written by one load ({sums}: generated from the column spec).
SELECT {sums} FROM {table} WHERE load_id = $load_id;
