-- Customers whose bill rows differ between the new version of a cycle (current) and the one before
-- (history), as re-sweep requests; every column but the load's own (load_id, version) is compared.
INSERT INTO audit.resweep_requests (
    cycle, customer_id, bill_version, reason, requested_at_utc, request_load_id, partner_domain_id
)
SELECT CAST($cycle AS VARCHAR), customer_id, CAST($version AS INTEGER), CAST($reason AS VARCHAR),
    CAST($stamp AS TIMESTAMP), CAST($load_id AS VARCHAR), CAST($partner AS VARCHAR)
FROM (
    SELECT DISTINCT customer_id FROM (
        (
            SELECT * EXCLUDE (load_id, version) FROM billing.monthly_bills
            WHERE partner_domain_id = $partner AND cycle = $cycle
            EXCEPT ALL
            SELECT * EXCLUDE (load_id, version) FROM billing.monthly_bills_history
            WHERE partner_domain_id = $partner AND cycle = $cycle AND version = $previous
        )
        UNION ALL
        (
            SELECT * EXCLUDE (load_id, version) FROM billing.monthly_bills_history
            WHERE partner_domain_id = $partner AND cycle = $cycle AND version = $previous
            EXCEPT ALL
            SELECT * EXCLUDE (load_id, version) FROM billing.monthly_bills
            WHERE partner_domain_id = $partner AND cycle = $cycle
        )
    )
) AS changed;
