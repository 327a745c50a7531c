"""Local Partner Center: a seeded world served over HTTP with the real paths, signing, errors and limits.

The world: `world` (the `World` facade and why every reconciliation rule holds in it) over `population`
(resellers, customers), `associations` (who holds a customer on a day: movers), `holder_view` (what one
holder is served), `reseller_funds`, `reseller_quotas`, `customer_balances`, `reseller_scenarios` (with
`reseller_picks`) and `holder_truth` (per-holder ground truth), `fee_records` (records and their wire
JSON), `subscriptions` (period orders),
`record_cache` (bounded cycle cache, the served view), `visibility` (monthly sums per clock day),
`cycle_scan`, `ledger` (account changes, balances), `orders`, `incentives`, `planning` (scenario picks,
findings, manifest) and `summary`; beneath them `model`, `catalog`, `billing_calendar`, `draw`, `wire`.
Serving: `gateway` (ASGI, auth, throttling, faults, errors), `params`, `answers`, `stats`, `routes/` (one
module per API family, one table; `routes.control` for `/_sandbox/*`), `ratelimit`, `faults`, `scenarios`.
Around them: `config` (`SandboxConfig`), `server` (`start_in_thread`, `serve`), `exports`, `cli`.
It imports nothing of ours but `partner_center.signing` and `partner_center.sandbox_credentials`.
"""
