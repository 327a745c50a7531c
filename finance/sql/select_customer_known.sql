-- Whether a customer id is known anywhere (owner: invoicing): a customer row, a fee record or a document.
-- Params: $customer_id.
SELECT
    EXISTS (SELECT 1 FROM billing.customers WHERE customer_id = $customer_id)
    OR EXISTS (SELECT 1 FROM billing.consumption_records WHERE customer_id = $customer_id)
    OR EXISTS (SELECT 1 FROM marts.invoices WHERE customer_id = $customer_id) AS known
