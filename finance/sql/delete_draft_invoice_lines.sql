-- Drop the lines of drafts before they are regenerated (owner: invoicing); issued documents are never touched.
-- Params: $invoice_ids (list).
DELETE FROM marts.invoice_lines
WHERE invoice_id IN (SELECT unnest(CAST($invoice_ids AS VARCHAR[])))
    AND invoice_id IN (SELECT invoice_id FROM marts.invoices WHERE status = 'draft')
