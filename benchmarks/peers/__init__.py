"""Contenders run beside our pipeline: a fetch-only ceiling and dlt; each runs as `python -m` in a child."""
