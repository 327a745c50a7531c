-- A reseller's statement, incentives (owner: statements). Grain: one incentive record of the month whose
-- customer is one of the reseller's customers of the month (by account name) or that names the reseller.
-- Params: $month, $reseller.
WITH served AS (
    SELECT DISTINCT c.account_name
    FROM billing.consumption_records AS r
    JOIN billing.customers AS c ON c.customer_id = r.customer_id
    WHERE r.bill_cycle = $month AND r.indirect_partner_id = $reseller
)
SELECT i.incentive_data_id, i.customer_name, i.customer_account, i.product_type, i.plan_name, i.base_amount,
    i.rate, i.incentive_amount, i.status
FROM billing.incentive_records AS i
WHERE i.incentive_period = $month
    AND (i.customer_account IN (SELECT account_name FROM served)
         OR i.reseller_name = (SELECT name FROM billing.indirect_partners WHERE indirect_partner_id = $reseller))
ORDER BY i.incentive_data_id
