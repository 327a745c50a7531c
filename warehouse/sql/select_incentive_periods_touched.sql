-- Incentive periods a staged export touches: the file's own, and those its ids are loaded under now.
SELECT DISTINCT incentive_period FROM read_parquet($path)
UNION
SELECT DISTINCT incentive_period FROM billing.incentive_records
WHERE partner_domain_id = $partner
  AND incentive_data_id IN (SELECT incentive_data_id FROM read_parquet($path));
