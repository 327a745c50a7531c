-- marts.open_month_to_date (owner: every-yuan): the open month so far per customer, beside the same days of
-- the month before. Grain: (partner_domain_id, customer_id). "Open month" and "so far" come from the data, not
-- the clock: the latest Beijing bill_date loaded for the partner account is the as-of day, its month the open
-- month. Billed = the monthly-sum rows of the open month (they lag about a day, resale customers only); not
-- yet billed = month to date − billed (NULL for referral customers, who never get a monthly bill).
CREATE OR REPLACE VIEW marts.open_month_to_date AS
WITH as_of AS (
    SELECT partner_domain_id, max(bill_date) AS as_of_bill_date
    FROM billing.consumption_records
    GROUP BY partner_domain_id
),
bounds AS (
    SELECT
        partner_domain_id,
        as_of_bill_date,
        strftime(as_of_bill_date, '%Y-%m') AS open_month,
        CAST(date_trunc('month', as_of_bill_date) AS DATE) AS month_start,
        CAST(date_trunc('month', as_of_bill_date) - INTERVAL 1 MONTH AS DATE) AS previous_start,
        day(as_of_bill_date) AS days_so_far
    FROM as_of
),
consumption AS (
    SELECT
        r.partner_domain_id,
        r.customer_id,
        max(r.association_type) AS association_type,
        sum(CASE WHEN r.bill_date >= b.month_start THEN r.payment_amount ELSE 0 END) AS month_to_date_amount,
        sum(CASE WHEN r.bill_date < b.month_start THEN r.payment_amount ELSE 0 END) AS last_month_same_days_amount
    FROM billing.consumption_records AS r
    INNER JOIN bounds AS b ON b.partner_domain_id = r.partner_domain_id
    WHERE r.bill_date BETWEEN b.previous_start AND b.as_of_bill_date
        AND (r.bill_date >= b.month_start OR day(r.bill_date) <= b.days_so_far)
    GROUP BY r.partner_domain_id, r.customer_id
),
billed AS (
    SELECT m.partner_domain_id, m.customer_id, sum(m.amount) AS billed_amount
    FROM billing.monthly_bills AS m
    INNER JOIN bounds AS b ON b.partner_domain_id = m.partner_domain_id AND m.cycle = b.open_month
    GROUP BY m.partner_domain_id, m.customer_id
)
SELECT
    b.partner_domain_id,
    b.open_month,
    b.as_of_bill_date,
    cu.indirect_partner_id,
    c.customer_id,
    cu.account_name,
    c.association_type,
    c.month_to_date_amount,
    CASE WHEN c.association_type = '2' THEN coalesce(bl.billed_amount, 0) END AS billed_amount,
    CASE WHEN c.association_type = '2' THEN c.month_to_date_amount - coalesce(bl.billed_amount, 0) END
        AS not_yet_billed_amount,
    c.last_month_same_days_amount,
    c.month_to_date_amount - c.last_month_same_days_amount AS change_amount
FROM consumption AS c
INNER JOIN bounds AS b ON b.partner_domain_id = c.partner_domain_id
LEFT JOIN billed AS bl ON bl.partner_domain_id = c.partner_domain_id AND bl.customer_id = c.customer_id
LEFT JOIN billing.customers AS cu ON cu.partner_domain_id = c.partner_domain_id AND cu.customer_id = c.customer_id;

COMMENT ON VIEW marts.open_month_to_date IS 'The open month to date per customer (billed vs not yet billed) beside the same days of the month before';
