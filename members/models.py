"""Members: tables."""
