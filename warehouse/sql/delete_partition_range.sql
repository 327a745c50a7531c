-- One half-open range [start, end) of a date-partitioned table, for one partner account.
DELETE FROM {table} WHERE partner_domain_id = $partner AND {column} >= $start AND {column} < $end;
