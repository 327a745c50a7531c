-- A merge replaces the quarantine rows of the applications it mentions only (rejects of other files stay).
DELETE FROM audit.quarantine
WHERE dataset = $dataset AND partner_domain_id = $partner
  AND (list_contains($keys, record_key)
       OR record_key IN (SELECT application_no FROM read_parquet($path))
       OR (record_key IS NULL AND list_contains($raws, raw_record)));
