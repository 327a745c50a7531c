-- One reconciliation run (owner: reconciliation): which rules ran with which settings.
-- Grain: run_id. Params: $run_id, $month, $settings, $rules, $started_at_utc, $finished_at_utc.
INSERT INTO marts.reconciliation_runs (run_id, month, settings, rules, started_at_utc, finished_at_utc)
VALUES ($run_id, $month, CAST($settings AS JSON), CAST($rules AS JSON), $started_at_utc, $finished_at_utc)
