-- Invoice basis (owner: invoicing). Grain: one row per (customer_id, charging_mode, service_type_code) of the
-- month's resale consumption, with exact (unrounded) sums; invoicing rounds per line in Python. A record without
-- a charging mode counts as mode 0 (other), so NULL stays the mark of lines issued before lines had a mode.
-- Every customer in one pass over the month, shaped for speed: plain sums (NULLs skipped, coalesced at the end)
-- grouped with the service name as a key, so max(name) runs over the few groups rather than every row, and
-- the customer's name joined to the aggregate, not to the rows.
-- Params: $month, $association_type, $customer_id (NULL = every customer).
WITH by_name AS (
    SELECT
        r.customer_id,
        coalesce(r.charging_mode, 0) AS charging_mode,
        r.service_type_code,
        r.service_type_name,
        sum(r.official_amount) AS list_amount,
        sum(r.official_discount_amount) AS discount_amount,
        sum(r.coupon_amount) AS coupon_amount,
        sum(r.flexipurchase_coupon_amount) AS flexipurchase_coupon_amount,
        sum(r.stored_value_card_amount) AS stored_value_card_amount,
        sum(r.payment_amount) AS payment_amount,
        sum(r.cash_amount) AS cash_amount,
        sum(r.credit_amount) AS credit_amount
    FROM billing.consumption_records AS r
    WHERE r.bill_cycle = $month
        AND r.association_type = $association_type
        AND (CAST($customer_id AS VARCHAR) IS NULL OR r.customer_id = CAST($customer_id AS VARCHAR))
    GROUP BY r.customer_id, coalesce(r.charging_mode, 0), r.service_type_code, r.service_type_name
),
sums AS (
    SELECT
        customer_id,
        charging_mode,
        service_type_code,
        max(service_type_name) AS service_type_name,
        coalesce(sum(list_amount), 0) AS list_amount,
        coalesce(sum(discount_amount), 0) AS discount_amount,
        coalesce(sum(coupon_amount), 0) + coalesce(sum(flexipurchase_coupon_amount), 0)
        + coalesce(sum(stored_value_card_amount), 0) AS coupon_amount,
        coalesce(sum(payment_amount), 0) AS payment_amount,
        coalesce(sum(cash_amount), 0) AS cash_amount,
        coalesce(sum(credit_amount), 0) AS credit_amount
    FROM by_name
    GROUP BY customer_id, charging_mode, service_type_code
)
SELECT
    s.customer_id,
    c.customer_name,
    s.service_type_code,
    s.service_type_name,
    s.list_amount,
    s.discount_amount,
    s.coupon_amount,
    s.payment_amount,
    s.cash_amount,
    s.credit_amount,
    s.charging_mode
FROM sums AS s
LEFT JOIN (
    SELECT customer_id, max(coalesce(customer, account_name)) AS customer_name
    FROM billing.customers
    GROUP BY customer_id
) AS c ON c.customer_id = s.customer_id
ORDER BY s.customer_id, s.charging_mode, s.service_type_code
