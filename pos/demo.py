"""Demo data for point of sale."""


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
