-- One-line descriptions of the warehouse tables (owner: warehouse), read back by `pbw sql --tables`.
COMMENT ON TABLE billing.consumption_records IS 'Fee records (res-fee-records) per customer and Beijing bill_date; payable and list amounts, exact decimals';
COMMENT ON TABLE billing.monthly_bills IS 'Monthly bill summaries (monthly-sum) per cycle, customer, service, resource, charge mode and bill type; current version';
COMMENT ON TABLE billing.monthly_bills_history IS 'Superseded versions of billing.monthly_bills rows (a restated cycle keeps its old rows here)';
COMMENT ON TABLE billing.monthly_bill_account_details IS 'Per balance type split of each monthly bill row (cash, credit, coupons); current version';
COMMENT ON TABLE billing.monthly_bill_account_details_history IS 'Superseded versions of billing.monthly_bill_account_details rows';
COMMENT ON TABLE billing.monthly_bill_versions IS 'Every distinct pulled content of a cycle''s bills, with whether the cycle was final';
COMMENT ON TABLE billing.account_transactions IS 'Partner account changes (account-change-records) per Beijing trade_date: expenses, refunds, rebate top-ups';
COMMENT ON TABLE billing.incentive_records IS 'Incentive details (激励明细) from the console exports, per incentive period (YYYY-MM)';
COMMENT ON TABLE billing.customers IS 'Sub-customers of the partner, current state (name, association type, verification)';
COMMENT ON TABLE billing.customers_history IS 'Type-2 history of billing.customers (valid_from_utc .. valid_to_utc)';
COMMENT ON TABLE audit.load_log IS 'One row per load: dataset, partitions, rows in, loaded and quarantined, amount totals';
COMMENT ON TABLE audit.quarantine IS 'Rejected records with their reasons and raw record, per load';
COMMENT ON TABLE audit.schema_drift IS 'Unknown wire fields or export headers, first time each was seen';
COMMENT ON TABLE audit.api_sweeps IS 'Every API sweep of every load: endpoint, params, API count, rows fetched, calls (evidence for R5)';
COMMENT ON TABLE audit.consumption_customers IS 'Who consumed in each cycle per the consume-sub-customers answer of the latest load';
COMMENT ON TABLE audit.schema_migrations IS 'Applied migrations with their checksums';
