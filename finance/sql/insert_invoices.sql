-- New draft invoices and notes of one run (owner: invoicing), from the Arrow rows registered as invoice_rows.
-- Grain: invoice_id. Totals are the sums of the document's rounded lines.
INSERT INTO marts.invoices BY NAME
SELECT *, CAST(NULL AS VARCHAR) AS invoice_number, 'draft' AS status
FROM invoice_rows
