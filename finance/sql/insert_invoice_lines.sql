-- Lines of the run's new draft documents (owner: invoicing), from the Arrow rows registered as
-- invoice_line_rows. Grain: (invoice_id, line_no).
INSERT INTO marts.invoice_lines BY NAME SELECT * FROM invoice_line_rows
