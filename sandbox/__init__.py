"""Local Partner Center: a seeded world served over HTTP with the real paths, signing, errors and limits.

Modules: `world` (the deterministic partner world and why every reconciliation rule holds in it), `catalog`
(services, plan rates, trade codes), `app` (raw ASGI: routing, auth, throttling, faults, handlers), `server`
(`start_in_thread` for tests, `serve` for `pbw sandbox serve`), `faults`, `ratelimit`, `scenarios` (the
manifest's injected discrepancies), `exports` (the console's incentive export and the plan table), `cli`.
It shares nothing with the warehouse's contracts; only the signature verifier and the demo credentials.
"""
