"""Point of sale: tables."""
