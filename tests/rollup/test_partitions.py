"""The hub's reports partitioned by year on PostgreSQL; the migration that converts an
existing table keeps every row (both databases)."""

import secrets
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from mart import create_app
from mart.extensions import db
from rollup import partitions
from rollup.models import CUM_FIELDS, POINT_FIELDS, HubReport
from tests.conftest import make_config
from tests.rollup.conftest import make_report, signed_post


def _pg_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("partitions exist on PostgreSQL only (SQLite keeps a plain table)")


def _where(conn, day):
    """The partition holding the report of ``day``."""
    return conn.exec_driver_sql(
        "SELECT tableoid::regclass::text FROM hub_reports WHERE date = %(d)s", {"d": day}
    ).scalar()


def test_reports_are_partitioned_by_year_ahead_of_time(hub, database_url):
    _pg_only(database_url)
    this_year = date.today().year
    with hub.app_context(), db.engine.connect() as conn:
        assert partitions.is_partitioned(conn)
        assert {this_year, this_year + 1} <= partitions.existing_years(conn)
        names = {row["name"] for row in partitions.describe(conn)}
    assert "hub_reports_default" in names


def test_a_report_for_a_new_year_makes_its_partition(hub, hub_client, register, database_url):
    _pg_only(database_url)
    key = register("JKT01")
    # a year long past, whose partition the hub never made ahead (reports from the future
    # are refused: a report's date is at most two days ahead)
    response = signed_post(hub_client, "JKT01", key, make_report("JKT01", date(2012, 3, 4)))
    assert response.status_code == 201
    with hub.app_context(), db.engine.connect() as conn:
        assert _where(conn, date(2012, 3, 4)) == "hub_reports_y2012"


def test_rows_in_the_default_partition_move_into_a_new_year(hub, register, database_url):
    _pg_only(database_url)
    register("JKT01")
    with hub.app_context():
        with db.engine.begin() as conn:
            assert 2044 not in partitions.existing_years(conn)
            branch_id = conn.exec_driver_sql("SELECT id FROM hub_branches").scalar()
            conn.exec_driver_sql(
                "INSERT INTO hub_reports (branch_id, date, revision, received_at, body) "
                "VALUES (%(b)s, '2044-05-06', 1, now(), '{}')",
                {"b": branch_id},
            )
            assert _where(conn, date(2044, 5, 6)) == "hub_reports_default"
        partitions.forget()
        assert partitions.ensure_years(db.engine, [2044]) == [2044]
        with db.engine.connect() as conn:
            assert _where(conn, date(2044, 5, 6)) == "hub_reports_y2044"
            assert conn.exec_driver_sql("SELECT count(*) FROM hub_reports").scalar() == 1


def _autovacuum(conn, name) -> bool:
    """Whether partition ``name`` carries rollup.partitions.AUTOVACUUM."""
    options = conn.exec_driver_sql(
        "SELECT reloptions FROM pg_class WHERE relname = %(n)s", {"n": name}
    ).scalar()
    return {
        "autovacuum_vacuum_insert_threshold=5000",
        "autovacuum_vacuum_insert_scale_factor=0",
    } <= set(options or ())


def test_period_ends_are_read_index_only(hub, register, database_url):
    """A period's ends (the branches' running totals and states on one day) come from
    the covering date index alone (every column they need is in it: an Index Only Scan,
    not the wide rows), in every yearly partition, one made later included; a new
    partition gets the vacuum settings that keep its recent pages all-visible."""
    _pg_only(database_url)
    register("JKT01")
    with hub.app_context():
        partitions.forget()
        partitions.ensure_years(db.engine, [2041])
        r = HubReport
        stmt = sa.select(r.branch_id, *[getattr(r, c) for c in CUM_FIELDS + POINT_FIELDS]).where(
            r.date == date(2041, 6, 12)
        )
        sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        with db.engine.begin() as conn:
            assert _autovacuum(conn, "hub_reports_y2041")
            # An empty table would be read whole: the planner is told not to.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + sql).scalars())
            # The same covering index on every partition.
            definitions = conn.exec_driver_sql(
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'hub_reports%%' "
                "AND indexdef LIKE '%%(date) INCLUDE%%'"
            ).all()
            names = partitions.children(conn)
            conn.rollback()
    reads = [line for line in plan.splitlines() if " on hub_reports" in line]
    assert reads and all("Index Only Scan" in line for line in reads), plan
    assert any("on hub_reports_y2041" in line for line in reads), plan
    covered = {table for table, _definition in definitions}
    assert {"hub_reports_y2041", *names} <= covered, definitions
    for _table, definition in definitions:
        assert all(c in definition for c in CUM_FIELDS + POINT_FIELDS), definition


def test_flask_rollup_partitions_lists_them(hub, database_url):
    result = hub.test_cli_runner().invoke(args=["rollup", "partitions"])
    assert result.exit_code == 0, result.output
    if database_url.startswith("postgresql"):
        assert f"hub_reports_y{date.today().year}" in result.output
    else:
        assert "not partitioned" in result.output


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
        return
    url = sa.engine.make_url(database_url)
    name = f"mart_fresh_{secrets.token_hex(4)}"
    admin_url = url.set(drivername="postgresql", database="postgres")
    admin = psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_migration_copies_the_existing_reports(fresh_url, tmp_path):
    app = create_app(make_config(fresh_url, str(tmp_path / "instance")))
    directory = app.extensions["migrate"].directory
    try:
        with app.app_context():
            upgrade(directory=directory, revision="0006_rollup")
            with db.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO hub_branches (id, code, name, kota, kecamatan, key_encrypted, "
                    "key_rotated_at, active, created_at) VALUES "
                    "(7, 'JKT01', 'Mart', 'Jakarta', 'Tebet', 'x', '2020-01-01', true, "
                    "'2020-01-01')"
                )
                for day, net in (("2019-12-31", 111), ("2026-02-01", 222)):
                    conn.exec_driver_sql(
                        "INSERT INTO hub_reports (branch_id, date, revision, received_at, body, "
                        f"sales_net, members_total) VALUES (7, '{day}', 3, '2020-01-01', "
                        f"'{{}}', {net}, 40)"
                    )
            partitions.forget()
            upgrade(directory=directory, revision="heads")
            with db.engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT branch_id, date, revision, sales_net, members_total "
                    "FROM hub_reports ORDER BY date"
                ).all()
                # SQLite's raw driver gives the dates as text.
                assert [(r[0], str(r[1]), *r[2:]) for r in rows] == [
                    (7, "2019-12-31", 3, 111, 40),
                    (7, "2026-02-01", 3, 222, 40),
                ]
                zone = conn.exec_driver_sql("SELECT timezone FROM hub_branches").scalar()
                assert zone == "Asia/Jakarta"
                if conn.dialect.name == "postgresql":
                    # 0020: every partition vacuumed after a few thousand new reports.
                    names = partitions.children(conn)
                    assert {"hub_reports_y2019", "hub_reports_default"} <= set(names)
                    assert all(_autovacuum(conn, name) for name in names), names
                    assert _where(conn, date(2019, 12, 31)) == "hub_reports_y2019"
                    assert _where(conn, date(2026, 2, 1)) == "hub_reports_y2026"
                    assert (
                        conn.exec_driver_sql(
                            "SELECT count(*) FROM pg_tables WHERE tablename = 'hub_reports_old'"
                        ).scalar()
                        == 0
                    )
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
