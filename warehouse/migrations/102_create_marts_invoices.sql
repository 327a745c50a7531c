-- Customer invoices (owner: invoicing). Issued documents are frozen: later changes in the data
-- become credit/debit notes that point at the invoice they correct.
CREATE SCHEMA IF NOT EXISTS marts;

CREATE TABLE IF NOT EXISTS marts.invoice_numbers (
    issuer VARCHAR PRIMARY KEY,
    prefix VARCHAR NOT NULL,
    last_number INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.invoices (
    invoice_id VARCHAR PRIMARY KEY,
    invoice_number VARCHAR,
    issuer VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    customer_name VARCHAR,
    month VARCHAR NOT NULL,
    doc_type VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    corrects_invoice_id VARCHAR,
    currency VARCHAR NOT NULL,
    price_rule VARCHAR NOT NULL,
    list_amount DECIMAL(38, 10) NOT NULL,
    discount_amount DECIMAL(38, 10) NOT NULL,
    coupon_amount DECIMAL(38, 10) NOT NULL,
    adjustment_amount DECIMAL(38, 10) NOT NULL,
    amount_due DECIMAL(38, 10) NOT NULL,
    content_hash VARCHAR NOT NULL,
    created_at_utc TIMESTAMP NOT NULL,
    issued_at_utc TIMESTAMP,
    voided_at_utc TIMESTAMP
);

CREATE TABLE IF NOT EXISTS marts.invoice_lines (
    invoice_id VARCHAR NOT NULL,
    line_no INTEGER NOT NULL,
    service_type_code VARCHAR NOT NULL,
    service_type_name VARCHAR,
    list_amount DECIMAL(38, 10) NOT NULL,
    discount_amount DECIMAL(38, 10) NOT NULL,
    coupon_amount DECIMAL(38, 10) NOT NULL,
    net_amount DECIMAL(38, 10) NOT NULL,
    adjustment_amount DECIMAL(38, 10) NOT NULL,
    amount_due DECIMAL(38, 10) NOT NULL,
    PRIMARY KEY (invoice_id, line_no)
);
