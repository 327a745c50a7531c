-- Drop a draft document before it is regenerated (owner: invoicing); issued documents are never touched.
-- Params: $invoice_id.
DELETE FROM marts.invoices WHERE invoice_id = $invoice_id AND status = 'draft'
