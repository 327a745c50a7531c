"""pipelines layer of the Partner Billing Warehouse (see ARCHITECTURE.md)."""
