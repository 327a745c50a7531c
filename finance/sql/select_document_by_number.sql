-- One document by its number, or a draft by its id (owner: invoicing). Grain: invoice_id. Params: $number.
SELECT invoice_id, status
FROM marts.invoices
WHERE invoice_number = $number OR (invoice_number IS NULL AND invoice_id = $number)
ORDER BY invoice_number NULLS LAST
LIMIT 1
