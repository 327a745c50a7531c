-- Periods a staged payout export touches: the file's own, and those its applications are loaded under now.
SELECT DISTINCT incentive_period FROM read_parquet($path)
UNION
SELECT DISTINCT incentive_period FROM billing.incentive_payout_applications
WHERE partner_domain_id = $partner
  AND application_no IN (SELECT application_no FROM read_parquet($path));
