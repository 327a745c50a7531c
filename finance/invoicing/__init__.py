"""Customer invoices: `planning` decides (pure, no I/O), `store` reads the inputs and writes the plan."""
