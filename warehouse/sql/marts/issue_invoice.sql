-- Freeze a draft as issued under its number (owner: invoicing). Params: $invoice_id, $invoice_number, $now_utc.
UPDATE marts.invoices
SET status = 'issued', invoice_number = $invoice_number, issued_at_utc = $now_utc
WHERE invoice_id = $invoice_id AND status = 'draft'
