-- What a customer has been invoiced for a month so far (owner: invoicing): the lines of its issued invoice and
-- notes summed per service. Grain: service_type_code. Params: $customer_id, $month, $issuer.
SELECT
    l.service_type_code,
    max(l.service_type_name) AS service_type_name,
    sum(l.list_amount) AS list_amount,
    sum(l.discount_amount) AS discount_amount,
    sum(l.coupon_amount) AS coupon_amount,
    sum(l.net_amount) AS net_amount,
    sum(l.adjustment_amount) AS adjustment_amount,
    sum(l.amount_due) AS amount_due
FROM marts.invoice_lines AS l
JOIN marts.invoices AS i ON i.invoice_id = l.invoice_id
WHERE i.customer_id = $customer_id AND i.month = $month AND i.issuer = $issuer AND i.status = 'issued'
GROUP BY l.service_type_code
ORDER BY l.service_type_code
