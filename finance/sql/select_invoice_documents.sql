-- Invoice documents with their lines, in one read (owner: invoicing). Grain: (invoice_id, line_no); a document
-- without lines has one row with NULL line columns. Document totals are left out: they are the sums of the
-- lines. Params: $month, $customer_id (NULL = every customer).
SELECT
    i.invoice_id,
    i.invoice_number,
    i.issuer,
    i.customer_id,
    i.customer_name,
    i.month,
    i.doc_type,
    i.status,
    i.corrects_invoice_id,
    c.invoice_number AS corrects_invoice_number,
    i.currency,
    i.price_rule,
    i.created_at_utc,
    i.issued_at_utc,
    i.prices_include_tax,
    i.payment_terms_days,
    i.due_date,
    l.line_no,
    l.service_type_code,
    l.service_type_name,
    l.list_amount,
    l.discount_amount,
    l.coupon_amount,
    l.net_amount,
    l.adjustment_amount,
    l.amount_due,
    l.cash_amount,
    l.credit_amount,
    l.tax_rate,
    l.net_of_tax_amount,
    l.tax_amount,
    l.gross_amount,
    l.charging_mode
FROM marts.invoices AS i
LEFT JOIN marts.invoice_lines AS l ON l.invoice_id = i.invoice_id
LEFT JOIN marts.invoices AS c ON c.invoice_id = i.corrects_invoice_id
WHERE i.month = $month
    AND (CAST($customer_id AS VARCHAR) IS NULL OR i.customer_id = CAST($customer_id AS VARCHAR))
ORDER BY i.customer_id, i.created_at_utc, i.invoice_id, l.line_no
