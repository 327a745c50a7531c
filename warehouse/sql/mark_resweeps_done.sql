-- The re-sweep of a customer's cycle was committed: every open request for it is done.
UPDATE audit.resweep_requests SET done_load_id = $load_id, done_at_utc = $stamp
WHERE partner_domain_id = $partner AND cycle = $cycle AND customer_id = $customer AND done_load_id IS NULL;
