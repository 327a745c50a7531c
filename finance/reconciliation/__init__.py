"""Reconciliation R1-R5 of a month: `settings` (what the rules assume), `engine` (runs them into marts)."""
