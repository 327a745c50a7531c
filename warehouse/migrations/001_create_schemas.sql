-- Schemas of the warehouse (owner: warehouse). billing = loaded API data, audit = evidence of every load,
-- marts = models built on top (reconciliation, invoices).
CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA IF NOT EXISTS audit;
CREATE SCHEMA IF NOT EXISTS marts;
