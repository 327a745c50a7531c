-- Open a history row for customers that are new or changed (no open row with the same content).
INSERT INTO billing.customers_history BY NAME
SELECT b.*, $stamp::TIMESTAMP AS valid_from_utc, NULL::TIMESTAMP AS valid_to_utc
FROM {batch} AS b
WHERE NOT EXISTS (
    SELECT 1 FROM billing.customers_history AS h
    WHERE h.partner_domain_id = $partner AND h.valid_to_utc IS NULL
      AND h.customer_id = b.customer_id AND h.content_hash = b.content_hash
);
