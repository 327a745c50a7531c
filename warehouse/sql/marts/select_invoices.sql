-- Invoice documents (owner: invoicing). Grain: invoice_id. Params: $month, $customer_id (NULL = all).
SELECT *
FROM marts.invoices
WHERE month = $month AND (CAST($customer_id AS VARCHAR) IS NULL OR customer_id = CAST($customer_id AS VARCHAR))
ORDER BY customer_id, created_at_utc, invoice_id
