-- Rows and incentive total per loaded period of one partner account (a load's before/after comparison).
SELECT incentive_period, count(*) AS n, coalesce(sum(incentive_amount), 0) AS total
FROM billing.incentive_records
WHERE partner_domain_id = $partner AND list_contains($periods, incentive_period)
GROUP BY incentive_period;
