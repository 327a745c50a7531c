-- Invoice tax, payment split and terms (owner: invoicing). Each line carries its VAT rate and the amounts
-- net of tax, tax and gross (what the customer pays), plus how the warehouse says it was funded (cash,
-- credit); a document carries its payment terms and, once issued, its due date (a Beijing date).
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS cash_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS credit_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS tax_rate DECIMAL(9, 6) DEFAULT 0;
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS net_of_tax_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS tax_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS gross_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS net_of_tax_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS tax_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS gross_amount DECIMAL(38, 10) DEFAULT 0;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS prices_include_tax BOOLEAN DEFAULT FALSE;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS payment_terms_days INTEGER DEFAULT 30;
ALTER TABLE marts.invoices ADD COLUMN IF NOT EXISTS due_date DATE;
