"""``safeyard backup`` and ``safeyard restore``: consistent copies of the database."""
