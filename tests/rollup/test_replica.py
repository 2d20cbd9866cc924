"""A real streaming replica: the hub's dashboard reads from it, ingest writes to the
primary, and the dashboard still answers while the primary is stopped.

PostgreSQL pass only. The test makes its OWN two clusters (initdb on free local ports,
in a temporary folder) - a primary, and a replica made from it with pg_basebackup -
so the machine's server is never touched; both are stopped and removed at the end.
"""

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from mart import create_app
from mart.cli import create_user, upgrade_database
from mart.extensions import db
from mart.pgconn import LeanConnection
from rollup import hub as hub_service
from rollup import replica as replica_module
from rollup.keys import sign
from tests.conftest import make_config
from tests.rollup.conftest import REPORTS_URL, make_report

BIN_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
PREFIX: list = []


def _bin(name):
    return os.path.join(BIN_DIRS[-1], name)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user():
    """initdb refuses to run as root: as root, run the server tools as ``postgres``."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ["runuser", "-u", "postgres", "--"]


def _run(*args):
    subprocess.run([*PREFIX, *args], check=True, capture_output=True, timeout=60)


def _wait_for(check, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


@pytest.fixture
def clusters(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the replica test runs in the PostgreSQL pass (tests/pg_run.py)")
    if not BIN_DIRS or not os.path.exists(_bin("initdb")):
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are missing")
    prefix = _as_server_user()
    if prefix is None:
        pytest.skip("running as root and there is no 'postgres' user to run initdb as")
    PREFIX[:] = prefix
    tmp_path = Path(tempfile.mkdtemp(prefix="mart-replica-"))
    if prefix:
        shutil.chown(tmp_path, "postgres", "postgres")
    primary, replica = tmp_path / "primary", tmp_path / "replica"
    p_port, r_port = _free_port(), _free_port()
    started = []
    try:
        _run(_bin("initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {p_port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{tmp_path}'\nfsync = off\n"
                "wal_level = replica\nmax_wal_senders = 4\nshared_buffers = 32MB\n"
            )
        _run(_bin("pg_ctl"), "-D", str(primary), "-l", str(tmp_path / "p.log"), "-w", "start")
        started.append(primary)
        _run(
            _bin("psql"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
            "-c", "CREATE DATABASE hub",
        )  # fmt: skip
        _run(
            _bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(p_port), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"port = {r_port}\nhot_standby = on\n")
        _run(_bin("pg_ctl"), "-D", str(replica), "-l", str(tmp_path / "r.log"), "-w", "start")
        started.append(replica)
        yield {
            "primary": f"postgresql+psycopg://postgres@127.0.0.1:{p_port}/hub",
            "replica": f"postgresql+psycopg://postgres@127.0.0.1:{r_port}/hub",
            "primary_dir": primary,
        }
    finally:
        for folder in reversed(started):
            subprocess.run(
                [*PREFIX, _bin("pg_ctl"), "-D", str(folder), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_dashboard_reads_the_replica_and_survives_the_primary(clusters, tmp_path):
    app = create_app(
        make_config(
            clusters["primary"],
            str(tmp_path / "instance"),
            MART_MODE="association",
            MART_READ_DATABASE_URL=clusters["replica"],
        )
    )
    try:
        with app.app_context():
            upgrade_database()
            branch, key = hub_service.add_branch("JPR01", "Mart Abepura", "Jayapura", "Abepura")
            user = create_user("asosiasi", ["association"], "rahasia-123")
            db.session.commit()
            user_id = user.id
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True

        day = date(2026, 11, 20)
        raw = json.dumps(make_report("JPR01", day, sales_net=4_321_000)).encode()
        response = client.post(
            REPORTS_URL,
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Mart-Branch": "JPR01",
                "X-Mart-Signature": sign(raw, key),
            },
        )
        assert response.status_code == 201, response.get_json()

        # Written on the primary; the replica has it once replayed.
        replica_engine = sa.create_engine(clusters["replica"])
        try:

            def replayed():
                with replica_engine.connect() as conn:
                    # On a busy machine the replica may not even have the tables yet.
                    if conn.exec_driver_sql("SELECT to_regclass('hub_reports')").scalar() is None:
                        return 0
                    return conn.exec_driver_sql(
                        "SELECT count(*) FROM hub_reports WHERE date = %(d)s", {"d": day}
                    ).scalar()

            _wait_for(replayed, "the replica to replay the report")
            with replica_engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar() is True
        finally:
            replica_engine.dispose()

        query = {"from": "2026-11-01", "to": "2026-11-30"}
        page = client.get("/association/", query_string=query)
        assert page.status_code == 200
        assert "JPR01" in page.text and "4.321.000" in page.text
        with replica_module.engine(app).connect() as conn:  # as the primary's (mart/pgconn.py)
            assert isinstance(conn.connection.dbapi_connection, LeanConnection)

        # The primary goes away: the dashboard and the summary still answer, from the
        # replica; ingest (the primary's) does not.
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        _run(_bin("pg_ctl"), "-D", str(clusters["primary_dir"]), "-m", "fast", "-w", "stop")

        page = client.get("/association/", query_string=query)
        assert page.status_code == 200
        assert "JPR01" in page.text and "4.321.000" in page.text
        summary = client.get("/api/v1/association/summary", query_string=query)
        assert summary.status_code == 200
        assert summary.get_json()["totals"]["sales_net"] == 4_321_000

        newer = json.dumps(make_report("JPR01", day, revision=2, sales_net=1)).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Mart-Branch": "JPR01",
            "X-Mart-Signature": sign(newer, key),
        }
        try:
            response = client.post(REPORTS_URL, data=newer, headers=headers)
        except sa.exc.OperationalError:
            pass  # the tests propagate exceptions: the primary is unreachable
        else:
            assert response.status_code >= 500
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        replica_module.dispose(app)
