-- A reseller's statement, funds (owner: statements). Grain: one row per account change of the month that
-- moved funds between the distributor and the reseller (the distributor's changes naming the reseller,
-- the reseller's own recharges and reclaims), by Beijing trade_date. Params: $month, $reseller, $types.
SELECT
    trade_date,
    CASE WHEN indirect_partner_id IS NULL THEN 'distributor' ELSE 'reseller' END AS booked_by,
    trade_detail_type,
    balance_type,
    CASE WHEN change_type = '1' THEN abs(change_amount) ELSE -abs(change_amount) END AS amount,
    account_change_id
FROM billing.account_transactions
WHERE strftime(trade_date, '%Y-%m') = $month
    AND list_contains($types, trade_detail_type)
    AND ((indirect_partner_id IS NULL AND customer_id = $reseller) OR indirect_partner_id = $reseller)
ORDER BY trade_date, booked_by, account_change_id
