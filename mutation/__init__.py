"""`make mutation`: named one-line mutations of the code that guards money, loads, paging, signing,
limits and redaction, each run against the tests that should catch it.

- `catalog.py`: the mutations (file, the exact text, its replacement, the tests that should fail, and
  what a partner would notice), grouped by the module they break.
- `run.py`: applies each mutation to a throwaway copy of the tree, runs its tests, restores, and writes
  `mutation/RESULTS.md` (killed or survived per mutation). Not part of `make test`: it is slow.
"""
