"""One loader per dataset: `stage_*` parses, validates and stages neutral input (page files, the columns
that come from the request, sweep evidence) without a warehouse lock; `commit_*` is the load step's one
transaction; `load_*` does both at once (tests, scripts, the incentive inbox).

- `consumption_records`: fee records by Beijing bill_date, plus R5's consuming-customers evidence.
- `account_transactions`: account changes by Beijing trade_date; balance type from the request.
- `monthly_bills`: monthly sums flattened with their account details, a new version only on change.
- `customers`: the whole customer list, current rows plus a history of attribute changes.
- `incentive_records`: console export files (XLSX/CSV), replacing the incentive periods they contain.
"""
