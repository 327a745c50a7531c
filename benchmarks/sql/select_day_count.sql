-- B5: the fee records of one Beijing day after the daily load replaced it.
SELECT count(*) FROM billing.consumption_records WHERE bill_date = CAST($day AS DATE)
