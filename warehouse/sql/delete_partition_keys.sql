-- Keyed partitions (cycle, incentive period) of one partner account.
DELETE FROM {table} WHERE partner_domain_id = $partner AND list_contains($keys, {column});
