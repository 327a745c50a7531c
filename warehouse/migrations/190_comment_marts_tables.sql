-- One-line descriptions of the marts (owner: marts), read back by `pbw sql --tables`.
COMMENT ON TABLE marts.reconciliation_runs IS 'One row per reconciliation run: month, rules and settings used';
COMMENT ON TABLE marts.reconciliation_findings IS 'Findings of rules R1-R5 per run: keys, both amounts, difference and status';
COMMENT ON TABLE marts.reconciliation_drilldown IS 'R2 drill-down per run: the days whose funded consumption and payments differ';
COMMENT ON TABLE marts.invoice_numbers IS 'The last invoice number used per series (numbers are never reused)';
COMMENT ON TABLE marts.invoices IS 'Customer invoices and credit/debit notes per month: status, number, amounts due';
COMMENT ON TABLE marts.invoice_lines IS 'Lines of each invoice document: service, quantity basis, amounts';
COMMENT ON VIEW marts.focus_charges IS 'Consumption as FinOps FOCUS charges (vendor columns prefixed x_)';
