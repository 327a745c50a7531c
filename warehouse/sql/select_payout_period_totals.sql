-- Applications and paid (completed) amount per loaded period of one partner (a load's before/after).
SELECT incentive_period, count(*) AS n,
       coalesce(sum(applied_amount) FILTER (WHERE status = 'paid'), 0) AS total
FROM billing.incentive_payout_applications
WHERE partner_domain_id = $partner AND list_contains($periods, incentive_period)
GROUP BY incentive_period;
