-- B4: every synthetic bill paid in cash, so R2's left side equals the bills.
INSERT INTO billing.monthly_bill_account_details BY NAME
SELECT
    cycle, customer_id, cloud_service_type, resource_type_code, charge_mode, bill_type,
    'BALANCE_TYPE_DEBIT' AS balance_type,
    amount,
    version,
    partner_domain_id,
    load_id
FROM billing.monthly_bills
WHERE cycle = $cycle
