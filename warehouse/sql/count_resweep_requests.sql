-- How many re-sweep requests a cycle has (before and after an insert: the number just requested).
SELECT count(*) FROM audit.resweep_requests WHERE partner_domain_id = $partner AND cycle = $cycle;
