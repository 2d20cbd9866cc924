"""Navigation and home pages by role. Each domain registers its own entries."""

from dataclasses import dataclass

from flask import url_for
from flask_login import current_user

_ENTRIES = []
_HOMES = {}


@dataclass(frozen=True)
class NavEntry:
    label: object  # a lazy_gettext string
    endpoint: str
    roles: tuple
    order: int


def add(label, endpoint, roles, order=100):
    """Show ``label`` linking to ``endpoint`` to users with one of ``roles``."""
    if not any(e.endpoint == endpoint for e in _ENTRIES):
        _ENTRIES.append(NavEntry(label, endpoint, tuple(roles), order))


def set_home(role, endpoint):
    """The page a user of ``role`` lands on after logging in."""
    _HOMES[role] = endpoint


HOME_PRIORITY = ("cashier", "manager", "admin", "association", "supplier", "member")


def home_endpoint(user) -> str:
    for role in HOME_PRIORITY:
        if user.has_role(role) and role in _HOMES:
            return _HOMES[role]
    return "mart.index"


def entries_for(user):
    if not user.is_authenticated:
        return []
    visible = [e for e in _ENTRIES if user.has_role("admin", *e.roles)]
    return sorted(visible, key=lambda e: e.order)


def context():
    def home_url():
        return url_for(home_endpoint(current_user)) if current_user.is_authenticated else "/"

    return {"nav_entries": entries_for(current_user), "home_url": home_url}
