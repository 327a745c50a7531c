-- A merge of an incentive export: the loaded rows whose incentive_data_id the staged file has (they are
-- inserted again from the file); rows the file does not mention stay.
DELETE FROM billing.incentive_records
WHERE partner_domain_id = $partner
  AND incentive_data_id IN (SELECT incentive_data_id FROM read_parquet($path));
