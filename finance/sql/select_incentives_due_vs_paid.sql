-- Incentives of the month due vs paid for the report (owner: reporting). Grain: incentive_bill_id.
-- Due: the bill's incentive amounts (every status); paid: the rebate top-ups R4 matched to it.
-- Params: $month, $run_id.
WITH due AS (
    SELECT incentive_bill_id, sum(incentive_amount) AS due_amount, string_agg(DISTINCT status, ', ') AS statuses
    FROM billing.incentive_records
    WHERE incentive_period = $month
    GROUP BY incentive_bill_id
),
paid AS (
    SELECT keys ->> 'incentive_bill_id' AS incentive_bill_id, sum(right_amount) AS paid_amount
    FROM marts.reconciliation_findings
    WHERE run_id = $run_id AND rule = 'R4'
    GROUP BY keys ->> 'incentive_bill_id'
)
SELECT
    coalesce(d.incentive_bill_id, p.incentive_bill_id) AS incentive_bill_id,
    d.statuses,
    coalesce(d.due_amount, 0) AS due_amount,
    coalesce(p.paid_amount, 0) AS paid_amount
FROM due AS d
FULL OUTER JOIN paid AS p ON p.incentive_bill_id = d.incentive_bill_id
ORDER BY incentive_bill_id
