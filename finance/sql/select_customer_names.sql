-- Customer names for reports (owner: reporting): one name per customer_id, the customer's name else its
-- account name. Grain: customer_id. No params.
SELECT customer_id, max(coalesce(customer, account_name)) AS customer_name
FROM billing.customers
GROUP BY customer_id
ORDER BY customer_id
