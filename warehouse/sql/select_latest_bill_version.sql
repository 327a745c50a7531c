-- Latest version of a cycle, its content hash, and whether any version of the cycle was final.
SELECT max(version), arg_max(content_hash, version), bool_or(is_final)
FROM billing.monthly_bill_versions
WHERE partner_domain_id = $partner AND cycle = $cycle
HAVING count(*) > 0;
