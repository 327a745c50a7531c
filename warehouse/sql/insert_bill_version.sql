INSERT INTO billing.monthly_bill_versions (
    cycle, version, content_hash, pulled_at_utc, rows, amount_total, is_final, is_restatement, load_id,
    partner_domain_id
) VALUES (
    $cycle, $version, $content_hash, $pulled_at_utc, $rows, $amount_total, $is_final, $is_restatement, $load_id,
    $partner_domain_id
);
