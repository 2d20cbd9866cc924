"""Demo data for inventory."""


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
