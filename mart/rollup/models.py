"""Roll-up: tables."""
