-- Rows our contender quarantined (a benchmark run on clean sandbox data should have none).
SELECT count(*) FROM audit.quarantine
