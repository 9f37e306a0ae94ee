"""Business logic behind the thin API layer: queries, pagination, cursors, bulk creation."""
