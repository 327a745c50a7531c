-- Lines of one invoice document (owner: invoicing). Grain: line_no. Params: $invoice_id.
SELECT *
FROM marts.invoice_lines
WHERE invoice_id = $invoice_id
ORDER BY line_no
