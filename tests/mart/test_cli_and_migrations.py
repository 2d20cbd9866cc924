"""`flask mart init` twice keeps data; migrations match the models on this database."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mart.auth import approve_with_pin
from mart.cli import DEMO_PINS
from mart.extensions import db
from mart.models import User
from members import services
from members.models import SavingsEntry
from rollup.partitions import include_name


def test_init_twice_keeps_data(app, runner, make_user):
    make_user("manager", username="tetap")
    assert runner.invoke(args=["mart", "init"]).exit_code == 0
    assert runner.invoke(args=["mart", "init"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(sa.select(User.username)) == "tetap"


def test_migrations_match_models(app):
    """Autogenerate against the migrated database finds no difference."""
    with app.app_context(), db.engine.connect() as conn:
        # The hub's yearly partitions are made by the app, not described by the models.
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_create_user_command(app, runner):
    result = runner.invoke(
        args=["mart", "create-user", "sari", "--role", "cashier", "--password", "kasir-123"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "sari"))
        assert user.roles == ["cashier"] and user.check_password("kasir-123")


def test_create_user_rejects_weak_password_and_changes_nothing(app, runner, rows):
    before = rows(User)
    result = runner.invoke(
        args=["mart", "create-user", "lemah", "--role", "cashier", "--password", "123"]
    )
    assert result.exit_code != 0
    assert "password" in result.output.lower()
    assert rows(User) == before


def test_create_user_duplicate_refused(runner, make_user):
    make_user("cashier", username="ganda")
    result = runner.invoke(
        args=["mart", "create-user", "ganda", "--role", "cashier", "--password", "kasir-123"]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_seed_demo_prints_logins_that_work_and_twice_keeps_data(app_factory):
    """One test for both (seeding the demo takes seconds): the printed logins work, and
    a second run adds no user and prints the logins again. With cash rounding on, as
    `make run` has it (the demo's cash sales pay what is due after rounding)."""
    app = app_factory(MART_CASH_ROUNDING=100)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["mart", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "manajer" in first.output and "kasir1" in first.output
    password = next(
        line.split()[-1] for line in first.output.splitlines() if line.strip().startswith("kasir1")
    )
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "kasir1"))
        assert user.check_password(password)
        users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
        # the printed approval PINs are the approvers' own, distinct

        for username, pin in DEMO_PINS.items():
            assert f"{username} {pin}" in first.output
            assert approve_with_pin(pin, approver=username).username == username
            assert approve_with_pin(pin).username == username
        # the printed member PINs pay from simpanan

        for line in first.output.splitlines():
            if "pays from simpanan with PIN" in line:
                member_no, pin = line.split()[1], line.split()[-1]
                assert services.check_member_pin(member_no, pin).member_no == member_no
        # Every cached balance of the seeded members is the sum of its ledger.
        ledger = dict(
            db.session.execute(
                sa.select(SavingsEntry.kind, sa.func.sum(SavingsEntry.amount)).group_by(
                    SavingsEntry.kind
                )
            ).all()
        )
        assert set(ledger) == {"pokok", "wajib", "sukarela"}
        assert services.capital_totals() == {k: int(v) for k, v in ledger.items()}
    second = runner.invoke(args=["mart", "seed-demo"])
    assert second.exit_code == 0, second.output
    assert "kasir1" in second.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
