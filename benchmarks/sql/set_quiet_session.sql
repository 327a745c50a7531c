-- B4: no progress bar on stdout while the synthetic month is generated (the harness prints one table).
SET enable_progress_bar = false
