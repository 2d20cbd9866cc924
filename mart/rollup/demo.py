"""Demo data for the roll-up."""


def seed(context):
    """Nothing yet (the caller commits)."""
