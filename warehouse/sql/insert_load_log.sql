INSERT INTO audit.load_log (
    load_id, run_id, dataset, partitions, rows_in, rows_loaded, rows_quarantined, amount_totals, api_calls,
    throttled, started_at_utc, finished_at_utc, partner_domain_id
) VALUES (
    $load_id, $run_id, $dataset, $partitions, $rows_in, $rows_loaded, $rows_quarantined, $amount_totals,
    $api_calls, $throttled, $started_at_utc, $finished_at_utc, $partner_domain_id
);
