-- Freeze drafts as issued under their numbers (owner: invoicing), from the Arrow rows registered as
-- invoice_issue_rows (invoice_id, invoice_number). The due date is the issue day in Beijing (UTC+8) plus the
-- document's payment terms. Params: $now_utc.
UPDATE marts.invoices AS i
SET status = 'issued',
    invoice_number = r.invoice_number,
    issued_at_utc = $now_utc,
    due_date = CAST(CAST($now_utc AS TIMESTAMP) + INTERVAL 8 HOUR AS DATE) + i.payment_terms_days
FROM invoice_issue_rows AS r
WHERE i.invoice_id = r.invoice_id AND i.status = 'draft'
