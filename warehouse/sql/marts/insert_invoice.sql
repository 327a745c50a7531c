-- A new draft invoice or note (owner: invoicing). Grain: invoice_id. Params: every column but the issue/void ones.
INSERT INTO marts.invoices (
    invoice_id, invoice_number, issuer, customer_id, customer_name, month, doc_type, status, corrects_invoice_id,
    currency, price_rule, list_amount, discount_amount, coupon_amount, adjustment_amount, amount_due, content_hash,
    created_at_utc
)
VALUES (
    $invoice_id, NULL, $issuer, $customer_id, $customer_name, $month, $doc_type, 'draft', $corrects_invoice_id,
    $currency, $price_rule, CAST($list_amount AS DECIMAL(38, 10)), CAST($discount_amount AS DECIMAL(38, 10)),
    CAST($coupon_amount AS DECIMAL(38, 10)), CAST($adjustment_amount AS DECIMAL(38, 10)),
    CAST($amount_due AS DECIMAL(38, 10)), $content_hash, $created_at_utc
)
