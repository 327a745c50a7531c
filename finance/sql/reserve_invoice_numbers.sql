-- Take the next $count numbers of an issuer's gapless sequence at once (owner: invoicing). Grain: issuer.
-- Returns the prefix and the last number taken; the run's numbers are last - count + 1 .. last.
-- Params: $issuer, $prefix, $count (> 0).
INSERT INTO marts.invoice_numbers (issuer, prefix, last_number)
VALUES ($issuer, $prefix, $count)
ON CONFLICT (issuer) DO UPDATE
SET last_number = marts.invoice_numbers.last_number + excluded.last_number, prefix = excluded.prefix
RETURNING prefix, last_number
