-- Same content pulled after the cycle became final: the latest version is now the final one.
UPDATE billing.monthly_bill_versions SET is_final = true
WHERE partner_domain_id = $partner AND cycle = $cycle AND version = $version AND NOT is_final;
