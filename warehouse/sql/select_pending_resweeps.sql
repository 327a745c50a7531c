-- Re-sweep requests not yet done for the given cycles: each (cycle, customer) once, with the newest reason.
SELECT cycle, customer_id, arg_max(reason, bill_version), max(bill_version)
FROM audit.resweep_requests
WHERE partner_domain_id = $partner AND list_contains($cycles, cycle) AND done_load_id IS NULL
GROUP BY cycle, customer_id
ORDER BY cycle, customer_id;
