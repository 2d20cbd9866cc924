"""Demo data for members."""


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
