-- Superseded version: copy the current rows of the cycle to history, then remove them from current.
INSERT INTO billing.monthly_bills_history
SELECT * FROM billing.monthly_bills WHERE partner_domain_id = $partner AND cycle = $cycle;
DELETE FROM billing.monthly_bills WHERE partner_domain_id = $partner AND cycle = $cycle;
