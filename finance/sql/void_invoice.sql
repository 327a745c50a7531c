-- Void a document (owner: invoicing): it stays on record with its number. Params: $invoice_id, $now_utc.
UPDATE marts.invoices
SET status = 'void', voided_at_utc = $now_utc
WHERE invoice_id = $invoice_id AND status <> 'void'
