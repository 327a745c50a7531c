-- R7_BALANCE a reseller's balance <-> its account changes (owner: reconciliation; rule S, inferred).
-- Grain: one row per (indirect_partner_id, balance_type) of the resellers whose account changes are loaded.
-- Left: the last balance_after_change (by trade_time_utc, then account_change_id) before the latest balance
-- snapshot's Beijing day. Right: the balance read that day (partner-accounts/balances with the reseller's
-- indirect_partner_id), the account type mapped from the balance type ($balance_types[i] <-> $account_types[i]).
-- A reseller with no loaded change of a balance type is not compared (its last change lies before the load),
-- and nothing is compared unless account changes were loaded up to the day before the snapshot (else the
-- last loaded change is not the last change).
-- Params: $balance_types, $account_types.
WITH kinds AS (
    SELECT unnest($balance_types) AS balance_type, unnest($account_types) AS account_type
),
snapshot AS (
    SELECT max(snapshot_date) AS day FROM billing.reseller_balances WHERE indirect_partner_id IS NOT NULL
),
served AS (
    SELECT b.indirect_partner_id, k.balance_type, sum(b.amount) AS amount
    FROM billing.reseller_balances AS b
    JOIN kinds AS k ON k.account_type = b.account_type
    WHERE b.indirect_partner_id IS NOT NULL AND b.snapshot_date = (SELECT day FROM snapshot)
    GROUP BY b.indirect_partner_id, k.balance_type
),
covered AS (
    SELECT count(*) > 0 AS ok
    FROM audit.load_log
    WHERE dataset = 'account_transactions'
        AND list_contains(partitions, strftime((SELECT day FROM snapshot) - INTERVAL 1 DAY, '%Y-%m-%d'))
),
changes AS (
    SELECT
        indirect_partner_id,
        balance_type,
        balance_after_change AS amount,
        trade_time_utc,
        row_number() OVER (
            PARTITION BY indirect_partner_id, balance_type ORDER BY trade_time_utc DESC, account_change_id DESC
        ) AS newest
    FROM billing.account_transactions
    WHERE indirect_partner_id IS NOT NULL
        AND list_contains($balance_types, balance_type)
        AND trade_date < (SELECT day FROM snapshot)
)
SELECT
    'balance_vs_changes' AS kind,
    json_object('indirect_partner_id', c.indirect_partner_id, 'balance_type', c.balance_type) AS keys,
    c.amount AS left_amount,
    s.amount AS right_amount,
    format('last change {} vs balance of {}', c.trade_time_utc, (SELECT day FROM snapshot)) AS detail
FROM changes AS c
LEFT JOIN served AS s ON s.indirect_partner_id = c.indirect_partner_id AND s.balance_type = c.balance_type
WHERE c.newest = 1 AND (SELECT ok FROM covered)
ORDER BY keys
