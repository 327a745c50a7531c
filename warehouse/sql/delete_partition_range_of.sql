-- One half-open range [start, end) of a date-partitioned table, only the rows of some values of a column
-- (e.g. the customers of a re-sweep), for one partner account.
DELETE FROM {table}
WHERE partner_domain_id = $partner AND {column} >= $start AND {column} < $end
  AND list_contains($values, CAST({scope} AS VARCHAR));
