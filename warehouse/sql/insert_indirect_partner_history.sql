-- Open a history row for resellers that are new or changed (no open row with the same content).
INSERT INTO billing.indirect_partners_history BY NAME
SELECT b.*, $stamp::TIMESTAMP AS valid_from_utc, NULL::TIMESTAMP AS valid_to_utc
FROM {batch} AS b
WHERE NOT EXISTS (
    SELECT 1 FROM billing.indirect_partners_history AS h
    WHERE h.partner_domain_id = $partner AND h.valid_to_utc IS NULL
      AND h.indirect_partner_id = b.indirect_partner_id AND h.content_hash = b.content_hash
);
