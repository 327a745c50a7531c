-- Rows a dlt peer loaded and how many distinct fee record ids they hold.
SELECT count(*), count(DISTINCT id) FROM bench.fee_records
