-- A merge replaces the quarantine rows of the records it mentions only (rejects of other files stay): those
-- whose record key the staged file or the new quarantine has, and keyless ones quarantined again verbatim.
DELETE FROM audit.quarantine
WHERE dataset = $dataset AND partner_domain_id = $partner
  AND (list_contains($keys, record_key)
       OR record_key IN (SELECT incentive_data_id FROM read_parquet($path))
       OR (record_key IS NULL AND list_contains($raws, raw_record)));
