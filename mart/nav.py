"""Navigation and home pages by role. Each domain registers its own entries on the
app (``app.extensions["mart_nav"]``), in its ``init_app``."""

from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavEntry:
    label: object  # a lazy_gettext string
    endpoint: str
    roles: tuple
    order: int


def _registry(app) -> dict:
    return app.extensions.setdefault("mart_nav", {"entries": [], "homes": {}})


def add(app, label, endpoint, roles, order=100):
    """Show ``label`` linking to ``endpoint`` to users with one of ``roles``."""
    entries = _registry(app)["entries"]
    if not any(e.endpoint == endpoint for e in entries):
        entries.append(NavEntry(label, endpoint, tuple(roles), order))


def set_home(app, role, endpoint):
    """The page a user of ``role`` lands on after logging in."""
    _registry(app)["homes"][role] = endpoint


HOME_PRIORITY = ("cashier", "manager", "admin", "association", "supplier", "member")


def home_endpoint(user) -> str:
    homes = _registry(current_app)["homes"]
    for role in HOME_PRIORITY:
        if user.has_role(role) and role in homes:
            return homes[role]
    return "mart.index"


def entries_for(user):
    if not user.is_authenticated:
        return []
    entries = _registry(current_app)["entries"]
    visible = [e for e in entries if user.has_role("admin", *e.roles)]
    return sorted(visible, key=lambda e: e.order)


def context():
    def home_url():
        return url_for(home_endpoint(current_user)) if current_user.is_authenticated else "/"

    return {"nav_entries": entries_for(current_user), "home_url": home_url}
