-- Rows of resellers (indirect_partner_id set) in the partitions a load replaces, for one partner account
-- ({column}: the partition column; {scope}: TRUE when the load replaces the account's whole table).
SELECT count(*), count(DISTINCT indirect_partner_id)
FROM {table}
WHERE partner_domain_id = $partner AND indirect_partner_id IS NOT NULL
  AND ({scope} OR list_contains(CAST($labels AS VARCHAR[]), CAST({column} AS VARCHAR)));
