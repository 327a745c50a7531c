-- Drop drafts before they are regenerated (owner: invoicing); issued documents are never touched.
-- Params: $invoice_ids (list).
DELETE FROM marts.invoices
WHERE invoice_id IN (SELECT unnest(CAST($invoice_ids AS VARCHAR[]))) AND status = 'draft'
