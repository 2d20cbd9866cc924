"""What every PostgreSQL connection of the app starts with (mart.db.pg_session_options)."""

import pytest
import sqlalchemy as sa

from mart.extensions import db


def _show(app, name):
    with app.app_context():
        value = db.session.scalar(sa.text(f"SHOW {name}"))
        db.session.rollback()
        return value


def test_jit_is_off_and_the_hub_adds_up_in_more_memory(app_factory, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL settings: the PostgreSQL pass checks them")
    branch = app_factory()
    hub = app_factory(MART_MODE="association")
    assert _show(branch, "jit") == "off"
    assert _show(hub, "jit") == "off"
    assert _show(hub, "work_mem") == "32MB"
    assert _show(branch, "work_mem") != "32MB"  # the server's own (4MB by default)


def test_options_given_in_the_settings_come_after_ours(app_factory, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL settings: the PostgreSQL pass checks them")
    app = app_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c jit=on -c work_mem=8MB"}}
    )
    assert _show(app, "jit") == "on"
    assert _show(app, "work_mem") == "8MB"
