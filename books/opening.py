"""The opening balance of a branch that kept ledgers before it kept books."""


def post_opening_if_needed() -> str | None:
    return None
