INSERT INTO billing.monthly_bill_account_details_history
SELECT * FROM billing.monthly_bill_account_details WHERE partner_domain_id = $partner AND cycle = $cycle;
DELETE FROM billing.monthly_bill_account_details WHERE partner_domain_id = $partner AND cycle = $cycle;
