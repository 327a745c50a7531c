-- B4: R5's evidence for the synthetic month: the consume-sub-customers answer (customers with consumption).
INSERT INTO audit.consumption_customers BY NAME
SELECT DISTINCT bill_cycle, customer_id, $load_id AS load_id, $domain_id AS partner_domain_id
FROM billing.consumption_records
WHERE bill_cycle = $cycle;
