-- A reseller's statement, balances (owner: statements). Grain: one row per account of the reseller in its
-- latest balance snapshot. Params: $reseller.
SELECT snapshot_date, account_id, account_type, amount, credit_amount
FROM billing.reseller_balances
WHERE indirect_partner_id = $reseller
    AND snapshot_date = (SELECT max(snapshot_date) FROM billing.reseller_balances WHERE indirect_partner_id = $reseller)
ORDER BY account_type, account_id
