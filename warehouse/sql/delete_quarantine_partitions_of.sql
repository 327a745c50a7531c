-- A scoped reload (some customers of the partitions) replaces only their quarantine rows.
DELETE FROM audit.quarantine
WHERE dataset = $dataset AND partner_domain_id = $partner AND list_contains($keys, partition_key)
  AND list_contains($values, json_extract_string(raw_record, '$.' || $field));
