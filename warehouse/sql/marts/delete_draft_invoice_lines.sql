-- Drop the lines of a draft before it is regenerated (owner: invoicing); issued documents are never touched.
-- Params: $invoice_id.
DELETE FROM marts.invoice_lines
WHERE invoice_id = $invoice_id
    AND invoice_id IN (SELECT invoice_id FROM marts.invoices WHERE status = 'draft')
