-- R3 incentives <-> consumption (owner: reconciliation).
-- Grain: two rows per incentive record of the period (incentive_data_id):
--   incentive_base: the record's base_amount vs the warehouse consumption behind it (customer by
--     billing.customers.account_name = customer_account, service_type_code = product_type, bill_cycle = period,
--     adjustments such as compensation 9 and deduction 16 left out: $excluded_bill_detail_types);
--   incentive_amount: the record's incentive_amount vs base_amount x the configured rate of its plan for its
--     product (else the plan-wide rate, product $default_product), or 0 when the product's incentive_policy is
--     a no-rebate one.
-- Params: $month, $base_column, $plan_names, $plan_products, $plan_rates (text, exact), $default_product,
-- $policy_products, $policy_codes, $no_rebate_policies, $excluded_bill_detail_types.
WITH plans AS (
    SELECT
        unnest($plan_names) AS plan_name,
        unnest($plan_products) AS product_type,
        CAST(unnest($plan_rates) AS DECIMAL(38, 10)) AS rate
),
policies AS (
    SELECT unnest($policy_products) AS product_type, CAST(unnest($policy_codes) AS INTEGER) AS incentive_policy
),
rec AS (
    SELECT i.*, c.customer_id
    FROM billing.incentive_records AS i
    LEFT JOIN billing.customers AS c ON c.account_name = i.customer_account
    WHERE i.incentive_period = $month
),
base AS (
    SELECT
        rec.incentive_data_id,
        sum(
            CASE $base_column
                WHEN 'official_amount' THEN r.official_amount
                WHEN 'cash_amount' THEN r.cash_amount
                ELSE r.payment_amount
            END
        ) AS amount,
        count(r.id) AS n
    FROM rec
    LEFT JOIN billing.consumption_records AS r
        ON r.customer_id = rec.customer_id
        AND r.service_type_code = rec.product_type
        AND r.bill_cycle = rec.incentive_period
        AND NOT list_contains($excluded_bill_detail_types, r.bill_detail_type)
    GROUP BY rec.incentive_data_id
)
SELECT
    'incentive_base' AS kind,
    json_object('incentive_data_id', rec.incentive_data_id) AS keys,
    rec.base_amount AS left_amount,
    base.amount AS right_amount,
    CASE
        WHEN rec.customer_id IS NULL THEN format('customer account {} not in billing.customers', rec.customer_account)
        ELSE format('{} {} fee records of {} for {}', base.n, $base_column, rec.customer_id, rec.product_type)
    END AS detail
FROM rec
JOIN base ON base.incentive_data_id = rec.incentive_data_id
UNION ALL
SELECT
    'incentive_amount' AS kind,
    json_object('incentive_data_id', rec.incentive_data_id) AS keys,
    rec.incentive_amount AS left_amount,
    CASE
        WHEN list_contains($no_rebate_policies, pol.incentive_policy) THEN CAST(0 AS DECIMAL(38, 10))
        ELSE round(rec.base_amount * coalesce(product_rate.rate, plan_rate.rate), 2)
    END AS right_amount,
    CASE
        WHEN list_contains($no_rebate_policies, pol.incentive_policy)
            THEN format('policy {} of {} earns no rebate', pol.incentive_policy, rec.product_type)
        WHEN coalesce(product_rate.rate, plan_rate.rate) IS NULL
            THEN format('plan {} has no configured rate for {}', rec.plan_name, rec.product_type)
        ELSE format(
            'base {} x rate {} of plan {}', rec.base_amount, coalesce(product_rate.rate, plan_rate.rate), rec.plan_name
        )
    END AS detail
FROM rec
LEFT JOIN plans AS product_rate
    ON product_rate.plan_name = rec.plan_name AND product_rate.product_type = rec.product_type
LEFT JOIN plans AS plan_rate ON plan_rate.plan_name = rec.plan_name AND plan_rate.product_type = $default_product
LEFT JOIN policies AS pol ON pol.product_type = rec.product_type
ORDER BY keys, kind
