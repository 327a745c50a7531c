"""warehouse layer of the Partner Billing Warehouse (see ARCHITECTURE.md)."""
