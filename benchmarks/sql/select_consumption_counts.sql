-- Rows our contender loaded and how many distinct fee record ids they hold (checked against the API's count).
SELECT count(*), count(DISTINCT id) FROM billing.consumption_records
