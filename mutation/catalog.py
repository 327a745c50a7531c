"""The mutations `make mutation` runs: one-line changes a careless edit could make, and who must notice.

Each names the exact text it replaces (it must occur once in the file), the tests that must then fail,
and what a partner would notice. A mutation that cannot change behaviour says why in `equivalent`.
A mutation of SQL keeps every bound parameter in use: DuckDB refuses a statement with an unused one, and a
mutation killed by that error says nothing about the tests.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutation:
    """Replace `old` by `new` in `path`; some test in `tests` must fail."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    protects: str
    equivalent: str = ""


CLIENT_TESTS = ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_client.py")
SIGNING_TESTS = ("tests/partner_center/test_signing.py", "tests/sandbox/test_signed_body.py",
                 "tests/sandbox/test_official_sdk.py")
SECRET_TESTS = ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_secrets.py")
RETRY_TESTS = ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_client.py",
               "tests/partner_center/test_client_cli.py", "tests/pipelines/test_fail_fast.py")

PAGING = (
    Mutation("paging-ignores-changed-count", "partner_center/paging.py",
             "return len(self.counts) == 1 and self.fetched", "return self.fetched", CLIENT_TESTS,
             "a list that changed between two pages is loaded with a record missing"),
    Mutation("paging-stops-a-page-early", "partner_center/paging.py",
             "range(limit, first.count, limit)", "range(limit, first.count - limit, limit)", CLIENT_TESTS,
             "the last page of every sweep is never fetched"),
    Mutation("paging-count-of-first-page", "partner_center/paging.py",
             "api_count = ordered[-1].count if", "api_count = ordered[0].count if", CLIENT_TESTS,
             "R5 compares with a stale count"),
    Mutation("paging-short-page-not-suspect", "partner_center/paging.py",
             "page.records != min(limit, count - offset)", "page.records > min(limit, count - offset)",
             CLIENT_TESTS, "a page served short mid-change is kept instead of fetched again"),
)

SIGNING = (
    Mutation("signing-drops-dashed-headers", "partner_center/signing.py",
             'if "_" not in name)', 'if "-" not in name)', SIGNING_TESTS,
             "every request is refused (APIG.0301) by the real gateway"),
    Mutation("signing-unsorted-query", "partner_center/signing.py", "pairs.sort()", "pairs.reverse()",
             SIGNING_TESTS, "requests with two parameters are refused"),
    Mutation("signing-encodes-slash-raw", "partner_center/signing.py", 'quote(text, safe="~")',
             'quote(text, safe="~/")', SIGNING_TESTS, "a customer id with a slash breaks the signature"),
    Mutation("signing-trusts-declared-hash", "partner_center/signing.py",
             "if body and declared and declared != UNSIGNED_PAYLOAD", "if False", SIGNING_TESTS,
             "a signed request's body can be replaced in transit"),
)

LIMITS = (
    Mutation("limiter-11-per-second", "partner_center/ratelimit.py", "self._interval = 1.0 / rate",
             "self._interval = 1.0 / (rate * 1.1)", CLIENT_TESTS, "the API throttles every busy second"),
    Mutation("limiter-default-11", "partner_center/config.py", 'env.get("PBW_RATE_LIMIT") or 10)',
             'env.get("PBW_RATE_LIMIT") or 11)', CLIENT_TESTS, "the default run exceeds 10 requests/s"),
    Mutation("limiter-throttle-not-penalized", "partner_center/ratelimit.py",
             "self._tat = max(self._tat, time.monotonic() + seconds)", "pass",
             ("tests/partner_center/test_bites_client.py", "tests/partner_center/test_client_ratelimit.py"),
             "after a 429 every task sends again at once and is throttled again"),
)

REDACTION = (
    Mutation("redact-forgets-x-auth-token", "partner_center/redact.py",
             "(?:x-subject-token|x-auth-token)", "(?:x-subject-token)", SECRET_TESTS,
             "an IAM token reaches DEBUG logs"),
    Mutation("redact-forgets-signature", "partner_center/redact.py", "(Signature=)[0-9a-fA-F]{16,}",
             "(Signature=)[0-9a-fA-F]{65,}", SECRET_TESTS, "request signatures reach logs"),
    Mutation("redact-short-secrets-kept", "partner_center/redact.py", "len(value) >= 4", "len(value) >= 64",
             SECRET_TESTS, "AK and SK values reach logs and errors"),
)

RETRIES = (
    Mutation("retry-500-not-transient", "partner_center/retry.py", "status >= 500", "status > 500",
             RETRY_TESTS, "one HTTP 500 fails the whole run"),
    Mutation("retry-throttle-is-failure", "partner_center/retry.py",
             "return status == 429 or error_code in THROTTLE_CODES", "return False",
             ("tests/partner_center/test_client_ratelimit.py", *RETRY_TESTS),
             "throttled answers use up the retry budget and fail runs"),
    Mutation("retry-refused-connection-retried", "partner_center/retry.py",
             'return "connection refused"\n        text', 'return None\n        text', RETRY_TESTS,
             "no sandbox running: retried for minutes instead of one line"),
)

INVOICE_BITES = ("tests/finance/test_bites_invoicing.py",)
INVOICE_TESTS = (*INVOICE_BITES, "tests/finance/test_invoicing.py", "tests/finance/test_invoice_planning.py")
RECON_BITES = ("tests/finance/test_bites_reconciliation.py", "tests/finance/test_reconciliation.py")
LOAD_BITES = ("tests/warehouse/test_bites_load.py", "tests/warehouse/test_load.py")
PARSE_TESTS = ("tests/warehouse/test_parse.py", "tests/warehouse/test_load.py")

INVOICING = (
    Mutation(
        "invoice-rounds-half-even",
        "finance/invoicing/planning.py",
        "rounding=ROUND_HALF_UP)",
        'rounding="ROUND_HALF_EVEN")',
        INVOICE_BITES,
        "a line of 10.125 is invoiced 10.12, a refund of -3.245 as -3.24",
    ),
    Mutation(
        "invoice-adjustment-from-rounded-net",
        "finance/invoicing/planning.py",
        "adjustment = quantize(rule.adjustment(net_exact))",
        "adjustment = quantize(rule.adjustment(net))",
        INVOICE_BITES,
        "a 50 % markup of 5.006 is 2.51 instead of 2.50",
    ),
    Mutation(
        "invoice-due-without-adjustment",
        "finance/invoicing/planning.py",
        "due = net + adjustment",
        "due = net",
        INVOICE_TESTS,
        "the price book's discount or markup never reaches the total",
    ),
    Mutation(
        "invoice-discount-shows-coupons",
        "finance/invoicing/planning.py",
        "discount_amount=quantize(discount),",
        "discount_amount=quantize(coupons),",
        INVOICE_TESTS,
        "the discount column shows the coupons",
    ),
    Mutation(
        "invoice-net-ignores-coupons",
        "finance/invoicing/planning.py",
        "net_exact = payment - coupons",
        "net_exact = payment",
        INVOICE_TESTS,
        "customers are invoiced what their coupons already paid",
    ),
    Mutation(
        "invoice-note-type-swapped",
        "finance/invoicing/planning.py",
        'doc_type = "credit_note" if total < 0 else "debit_note"',
        'doc_type = "credit_note" if total > 0 else "debit_note"',
        INVOICE_TESTS,
        "a refund after issue goes out as a debit note",
    ),
    Mutation(
        "invoice-vanished-service-not-credited",
        "finance/invoicing/planning.py",
        "for key in sorted(now.keys() | invoiced.keys()):",
        "for key in sorted(now.keys()):",
        INVOICE_TESTS,
        "a service removed after issue stays invoiced: no credit note",
    ),
    Mutation(
        "invoice-numbers-off-by-one",
        "finance/invoicing/planning.py",
        "first = last_number - count + 1",
        "first = last_number - count",
        INVOICE_TESTS,
        "the first invoice is number 000000, numbers repeat",
    ),
    Mutation(
        "invoice-sequence-restarts",
        "finance/sql/reserve_invoice_numbers.sql",
        "SET last_number = marts.invoice_numbers.last_number + excluded.last_number",
        "SET last_number = excluded.last_number",
        INVOICE_TESTS,
        "every run numbers from 1 again: two documents share a number",
    ),
    Mutation(
        "invoice-basis-drops-stored-value-cards",
        "finance/sql/select_invoice_basis.sql",
        "+ coalesce(sum(stored_value_card_amount), 0) AS coupon_amount",
        "AS coupon_amount",
        INVOICE_TESTS,
        "what a stored-value card paid is invoiced again",
    ),
    Mutation(
        "invoice-legacy-lines-compared-per-mode",
        "finance/invoicing/planning.py",
        "key = (NO_MODE, line.service_type_code) if by_service else line.key",
        "key = line.key",
        ("tests/finance/test_invoice_charge_modes.py",),
        "upgrading to lines per charging mode credits every issued invoice and debits it again",
    ),
    Mutation(
        "invoice-subtotal-is-the-document-total",
        "finance/documents_pdf.py",
        "grid.row((group.subtotal_label, *total_cells(group.lines)), style=SUBTOTAL)",
        "grid.row((group.subtotal_label, *total_cells(v.doc.lines)), style=SUBTOTAL)",
        ("tests/finance/test_invoice_charge_modes.py",),
        "each charging mode's subtotal on the PDF shows the whole invoice",
    ),
    Mutation(
        "invoice-replaced-drafts-kept",
        "finance/invoicing/store.py",
        "        _drop_drafts(con, plan.drop)",
        "        pass",
        INVOICE_TESTS,
        "a stale draft stays next to its replacement",
    ),
    Mutation(
        "price-book-percent-scale",
        "finance/price_book.py",
        "return net * self.percent / HUNDRED",
        "return net * self.percent / 10",
        INVOICE_TESTS,
        "a 7.5 % discount takes 75 %",
    ),
    Mutation(
        "price-book-discount-is-markup",
        "finance/price_book.py",
        '("discount_percent", -1)',
        '("discount_percent", 1)',
        INVOICE_TESTS,
        "a customer's discount is added to the invoice",
    ),
)

RECONCILIATION = (
    Mutation(
        "r1-drops-write-offs",
        "finance/sql/reconcile_detail_to_bill.sql",
        "WHERE cycle = $month AND list_contains($bill_types, CAST(bill_type AS INTEGER))",
        "WHERE cycle = $month AND list_contains($bill_types, CAST(bill_type AS INTEGER)) AND bill_type <> 2",
        RECON_BITES,
        "every Huawei write-off shows as an R1 mismatch",
    ),
    Mutation(
        "settings-bill-types-without-write-offs",
        "finance/reconciliation/settings.py",
        "bill_types: tuple[int, ...] = (0, 1, 2)",
        "bill_types: tuple[int, ...] = (0, 1)",
        RECON_BITES,
        "write-offs left out of R1 and R2 by default",
    ),
    Mutation(
        "tolerance-exclusive",
        "finance/sql/insert_findings.sql",
        "<= CAST($tolerance AS DECIMAL(38, 10))",
        "< CAST($tolerance AS DECIMAL(38, 10))",
        RECON_BITES,
        "a difference of exactly the tolerance (0.01) is reported as a mismatch",
    ),
    Mutation(
        "status-equal-not-matched",
        "finance/sql/insert_findings.sql",
        "THEN 'matched'",
        "THEN 'within_tolerance'",
        RECON_BITES,
        "no finding is ever 'matched'",
    ),
    Mutation(
        "status-missing-side-swapped",
        "finance/sql/insert_findings.sql",
        "WHEN left_amount IS NULL THEN 'missing_left'",
        "WHEN left_amount IS NULL THEN 'missing_right'",
        RECON_BITES,
        "a bill without fee records is reported as fee records without a bill",
    ),
    Mutation(
        "r5-gets-money-tolerance",
        "finance/reconciliation/engine.py",
        'tolerance = Decimal(0) if rule == "R5" else settings.tolerance',
        "tolerance = settings.tolerance",
        RECON_BITES,
        "with a 5-yuan tolerance, a record missing from a sweep is 'within tolerance'",
    ),
    Mutation(
        "r2-paid-any-balance-type",
        "finance/sql/reconcile_bill_to_transactions.sql",
        "AND list_contains($trade_detail_types, trade_detail_type)\n"
        "        AND list_contains($balance_types, balance_type)",
        "AND list_contains($trade_detail_types, trade_detail_type)",
        RECON_BITES,
        "bonus-balance spending shows as an R2 finding nobody configured",
    ),
    Mutation(
        "r2-refunds-count-as-spend",
        "finance/sql/reconcile_bill_to_transactions.sql",
        "ELSE -abs(change_amount) END",
        "ELSE abs(change_amount) END",
        RECON_BITES,
        "refunds are added to what the partner paid",
    ),
    Mutation(
        "r3-policy-13-earns-rebate",
        "finance/reconciliation/settings.py",
        "r3_no_rebate_policies: tuple[int, ...] = (2, 13)",
        "r3_no_rebate_policies: tuple[int, ...] = (2,)",
        RECON_BITES,
        "a product of incentive policy 13 is expected to earn a rebate",
    ),
    Mutation(
        "r3-base-counts-adjustments",
        "finance/sql/reconcile_incentives_to_consumption.sql",
        "AND NOT list_contains($excluded_bill_detail_types, r.bill_detail_type)",
        "AND NOT list_contains($excluded_bill_detail_types, r.charging_mode)",
        RECON_BITES,
        "compensations and deductions change the incentive base",
    ),
    Mutation(
        "r3-plan-rate-before-product-rate",
        "finance/sql/reconcile_incentives_to_consumption.sql",
        "ELSE round(rec.base_amount * coalesce(product_rate.rate, plan_rate.rate), 2)",
        "ELSE round(rec.base_amount * coalesce(plan_rate.rate, product_rate.rate), 2)",
        RECON_BITES,
        "a product's own rate is ignored for the plan-wide one",
    ),
    Mutation(
        "r4-window-end-inclusive",
        "finance/sql/reconcile_incentives_to_payments.sql",
        "AND f.trade_date < CAST(",
        "AND f.trade_date <= CAST(",
        RECON_BITES,
        "a top-up one day after the window pays a bill",
    ),
    Mutation(
        "r4-window-from-period-start",
        "finance/sql/reconcile_incentives_to_payments.sql",
        "+ INTERVAL 1 MONTH + to_days",
        "+ to_days",
        RECON_BITES,
        "a rebate paid in the last month of the window is reported unpaid",
    ),
    Mutation(
        "r4-window-starts-early",
        "finance/sql/reconcile_incentives_to_payments.sql",
        "AND f.trade_date >= CAST(strptime(o.period || '-01', '%Y-%m-%d') AS DATE)",
        "AND f.trade_date >= CAST(strptime(o.period || '-01', '%Y-%m-%d') AS DATE) - INTERVAL 1 MONTH",
        RECON_BITES,
        "a top-up from before the period pays its bill",
    ),
    Mutation(
        "r5-oldest-sweep",
        "finance/sql/check_sweep_counts.sql",
        "ORDER BY started_at_utc DESC, load_id DESC",
        "ORDER BY started_at_utc, load_id DESC",
        RECON_BITES,
        "a short sweep already repaired by a newer one is still reported",
    ),
    Mutation(
        "r5-duplicates-missed",
        "finance/sql/check_duplicate_ids.sql",
        "LIKE '%duplicate%'",
        "LIKE 'duplicate%'",
        RECON_BITES,
        "quarantined duplicate ids never reach R5",
    ),
    Mutation(
        "r5-customer-records-any-month",
        "finance/sql/check_consumption_customers.sql",
        "WHERE bill_cycle = $month\n    GROUP BY customer_id",
        "GROUP BY customer_id",
        RECON_BITES,
        "a listed customer with records of another month only is not reported",
    ),
)

LOADING = (
    Mutation(
        "load-commits-before-quarantine",
        "warehouse/replace.py",
        "        return write_audit(con, batch, loaded)",
        '        con.execute("COMMIT")\n        con.execute("BEGIN TRANSACTION")\n'
        "        return write_audit(con, batch, loaded)",
        LOAD_BITES,
        "a crash after the rows leaves them without their quarantine and load-log row",
    ),
    Mutation(
        "load-quarantine-not-replaced",
        "warehouse/replace.py",
        "keys = [*parts.labels, parts.span_label]",
        "keys = [parts.span_label[:0]]",
        LOAD_BITES,
        "each rerun of a day adds its rejects to quarantine again",
    ),
    Mutation(
        "load-delete-ignores-partner",
        "warehouse/sql/delete_partition_range.sql",
        "WHERE partner_domain_id = $partner AND",
        "WHERE $partner IS NOT NULL AND",
        LOAD_BITES,
        "loading one partner account deletes another's rows of the day",
    ),
    Mutation(
        "load-bill-date-in-utc",
        "warehouse/parse.py",
        "INTERVAL 8 HOUR",
        "INTERVAL 0 HOUR",
        LOAD_BITES,
        "charges after 16:00 UTC land on the wrong Beijing day",
    ),
    Mutation(
        "parse-fast-path-not-exact",
        "warehouse/parse.py",
        'return f"CASE WHEN CAST({d} AS DOUBLE) = {f} THEN {d} END"',
        'return f"{d}"',
        PARSE_TESTS,
        "an amount the double-based reader changed is loaded instead of quarantined",
    ),
    Mutation(
        "parse-slow-path-rounds",
        "warehouse/parse.py",
        "value != value.quantize(_SCALE, context=_WIDE)",
        "False",
        PARSE_TESTS,
        "an amount with 11 decimals is rounded instead of quarantined",
    ),
    Mutation(
        "staging-duplicates-across-chunks-kept",
        "warehouse/staging.py",
        "return mask.scatter(rows, True) if rows else mask",
        "return mask",
        LOAD_BITES,
        "a record sent twice (on two pages) is loaded twice",
    ),
    Mutation(
        "staging-hash-runs-miss-earlier-keys",
        "warehouse/staging.py",
        "found = found | (run.gather(at) == hashes)",
        "found = found & (run.gather(at) == hashes)",
        (*LOAD_BITES, "tests/warehouse/test_key_ledger.py"),
        "a record sent again in a later chunk is loaded twice",
    ),
    Mutation(
        "validation-prescreen-trusts-every-row",
        "schemas/validation.py",
        "return ~results.select(pl.all_horizontal(pl.all().fill_null(False))).to_series()",
        "return results.select(pl.all_horizontal(pl.all().fill_null(False))).to_series() & False",
        ("tests/schemas/test_contracts.py", *LOAD_BITES),
        "a row that breaks an H rule is loaded instead of quarantined",
    ),
    Mutation(
        "bills-restatement-not-versioned",
        "warehouse/loaders/monthly_bills.py",
        "if previous is not None and previous[1] == staged.content_hash:",
        "if previous is not None:",
        LOAD_BITES,
        "a restated month keeps its old amounts",
    ),
    Mutation(
        "bills-restatement-not-flagged",
        "warehouse/loaders/monthly_bills.py",
        "was_final = bool(previous is not None and previous[2])",
        "was_final = False",
        LOAD_BITES,
        "a change to a closed month is not flagged as a restatement",
    ),
)

MUTATIONS: tuple[Mutation, ...] = (
    *PAGING,
    *SIGNING,
    *LIMITS,
    *REDACTION,
    *RETRIES,
    *INVOICING,
    *RECONCILIATION,
    *LOADING,
)
