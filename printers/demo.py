"""Demo data for printers."""


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
