-- Take the next number of an issuer's gapless sequence (owner: invoicing). Grain: issuer.
-- Params: $issuer, $prefix.
INSERT INTO marts.invoice_numbers (issuer, prefix, last_number)
VALUES ($issuer, $prefix, 1)
ON CONFLICT (issuer) DO UPDATE SET last_number = marts.invoice_numbers.last_number + 1, prefix = excluded.prefix
RETURNING prefix, last_number
