"""The read model and reference data: SQLModel tables, shared by activities (writers) and the API (reader)."""
