"""Members: see the package's models, services, api and views."""

from flask_babel import lazy_gettext as _l

from mart import nav
from mart.demo import register as register_seeder
from mart.errors import DomainError
from mart.extensions import api as rest_api
from members import api as domain_api
from members import (  # noqa: F401  (models: for Alembic)
    cli,
    credit_views,
    models,
    rat,  # the RAT pack (books' reports with the members' ledgers)
    views,
)
from members.demo import seed
from members.services import credit, ledger_totals, require_active


def init_app(app):
    app.register_blueprint(views.bp)
    rest_api.register_blueprint(domain_api.blp, url_prefix="/api/v1")
    app.register_blueprint(rat.bp)
    credit_views.init_app(app)  # issue 15: member credit pages
    rest_api.register_blueprint(rat.blp, url_prefix="/api/v1")
    app.cli.add_command(cli.group)
    nav.add(app, _l("Members"), "members.index", ("manager",), order=40)
    nav.set_home(app, "member", "members.me")
    register_seeder(app, 40, _seed_demo)
    app.extensions.setdefault("books_ledgers", {})["members"] = _books_ledgers
    app.extensions.setdefault("mart_user_link_checks", []).append(_check_member_link)


def _check_member_link(member_no=None, **_links):
    """``flask mart create-user --member-no``: the member must exist and be active."""
    if not member_no:
        return None
    try:
        require_active(member_no)
    except DomainError as error:
        return error.message
    return None


def _books_ledgers():
    """Simpanan per kind as the members' ledgers give it (the sum of their entries)."""
    totals = ledger_totals()
    return {
        **{
            f"simpanan_{kind}": (amount, f"members' simpanan {kind} ledgers")
            for kind, amount in totals.items()
        },
        "piutang_anggota": (credit.owed_total(), "members' credit ledgers (issue 15)"),
    }


def _seed_demo(context):
    seed(context)
