-- A merge of a payout-applications export: the loaded applications the staged file has (inserted again from
-- the file, e.g. with a newer status); applications it does not mention stay.
DELETE FROM billing.incentive_payout_applications
WHERE partner_domain_id = $partner
  AND application_no IN (SELECT application_no FROM read_parquet($path));
