"""Point-of-sale speed: a 10-line sale posted over HTTP to the app under gunicorn.

For SQLite (a temporary file) and PostgreSQL (a fresh database, dropped afterwards):
builds the schema through the migrations, a catalogue of 50.000 products (bulk
inserted), 8 registers each with its cashier and an open shift, then starts gunicorn
on a loopback port and measures

- one register: sales posted one after another, p50/p99 latency;
- 8 registers at once (a thread each, its own shift): sales per second, errors;
- the same sale written by hand-written SQL in one transaction (no Flask, no ORM),
  so the framework's overhead is known: once naively (a statement per line), once
  in the app's batched statements of before 4 December, and (PostgreSQL) once in the
  app's statements since then (the sale and its stock-out in one statement).

It then checks the outcome: every sale stored once, receipt numbers without gaps.

    BENCH_DB=sqlite|postgres|both (default both)
    BENCH_SCALE=0.2 scales the number of sales and products down (default 1)
    BENCH_PER_REGISTER=400 sales each of the 8 registers posts (default 100 x the scale):
        a longer run, past the connections' first sales (psycopg prepares a statement
        on its fifth run on a connection, and the server settles on a plan after five)
    BENCH_WORKERS, BENCH_THREADS: gunicorn workers and threads per worker (default: what
        deploy/gunicorn.conf.py gives a branch: SQLite 1x8, PostgreSQL cores x 8)
    BENCH_START_WORKERS=off|on|both (default both): the app's background workers
        (print queue, roll-up sender, daily backup: MART_START_WORKERS) off, on, or
        one run of each on the same database, so before/after sit side by side
    BENCH_JOURNAL=on|both (default on): ``both`` measures each run with the sale's
        journal (the books), then without it (bench/wsgi_nojournal.py), then with it
        again, on the same server settings and database: the books' share of the sale
    BENCH_PRINTER=file|none (default file): each register prints to a file printer
        (with a cash drawer) in the instance folder, so with the workers on every
        receipt and drawer kick is really rendered and sent; ``none``: no printer
        at all (jobs wait, as on a branch whose printers are not set up yet)
    BENCH_DISPLAYS=on: each register's customer display polls its state once a second
        while the sales run (pos/static/display.js does so at a branch): a read whose
        request ends its transaction by a rollback, between the sales on the same pooled
        connections (pos/README.md, "A rollback forgot the prepared statements")
    BENCH_PG_STATEMENTS=1 (a PostgreSQL server with pg_stat_statements in
        shared_preload_libraries): after the 8 registers, each statement's calls, server
        time (planning and run, wall), rows and plans a sale, and the tables' updated
        rows with how many were HOT

The CPU a sale is split into the serving processes, the workers' process, the
database's server processes and the bench client; the kernel's share (system time) of
the app's processes and of the server's is printed beside them.

gunicorn runs with the production settings, ``deploy/gunicorn.conf.py`` (its access
log included, written to /dev/null here).
"""

import contextlib
import http.client
import json
import os
import random
import runpy
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import current_app  # noqa: E402

from config import TestConfig  # noqa: E402
from inventory import barcodes as bc  # noqa: E402
from inventory.models import Barcode, Product  # noqa: E402
from mart import create_app  # noqa: E402
from mart.auth import issue_token  # noqa: E402
from mart.backup import wait_for_backup  # noqa: E402
from mart.cli import create_user, upgrade_database  # noqa: E402
from mart.extensions import db  # noqa: E402
from pos import services  # noqa: E402
from pos.models import Sale  # noqa: E402
from printers import services as printers  # noqa: E402
from printers.models import PrintJob  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", 1))
PRODUCTS = max(1000, int(50_000 * SCALE))
SEQUENTIAL = max(30, int(400 * SCALE))
PER_REGISTER = int(os.environ.get("BENCH_PER_REGISTER") or max(10, int(100 * SCALE)))
REGISTERS = 8
LINES = 10
WHICH = os.environ.get("BENCH_DB", "both")
WORKERS = os.environ.get("BENCH_WORKERS")  # None: deploy/gunicorn.conf.py decides
THREADS = os.environ.get("BENCH_THREADS")
JOURNAL = os.environ.get("BENCH_JOURNAL", "on")
START_WORKERS = os.environ.get("BENCH_START_WORKERS", "both")
PRINTER = os.environ.get("BENCH_PRINTER", "file")
DISPLAYS = os.environ.get("BENCH_DISPLAYS", "off") == "on"
STATEMENTS = os.environ.get("BENCH_PG_STATEMENTS")  # needs pg_stat_statements loaded
ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-key-of-the-pos-benchmark-0123456789"


def ean(n):
    return bc.with_check_digit(f"899{n:09d}")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def build(url, instance):
    """Schema, catalogue, users with tokens, registers and open shifts."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance, TESTING=False, SECRET_KEY=SECRET
    )
    app = create_app(config)
    with app.app_context():
        upgrade_database()
        now = datetime.now(UTC)
        rng = random.Random(11)
        start = time.perf_counter()
        rows = [
            {
                "sku": f"B{i:07d}",
                "name": f"Barang {i}",
                "search_text": f"barang {i}",
                "unit": "pcs",
                "price": rng.randrange(10, 2000) * 100,
                "member_price": None,
                "tax": "ppn",
                "reorder_point": 0,
                "active": True,
                "tracks_expiry": False,
                "avg_cost": 0,
                "on_hand": 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(PRODUCTS)
        ]
        for chunk in range(0, len(rows), 5000):
            db.session.execute(sa.insert(Product.__table__), rows[chunk : chunk + 5000])
        ids = db.session.scalars(sa.select(Product.id).order_by(Product.id)).all()
        codes = [{"code": ean(i), "product_id": pid} for i, pid in enumerate(ids)]
        for chunk in range(0, len(codes), 5000):
            db.session.execute(sa.insert(Barcode.__table__), codes[chunk : chunk + 5000])
        db.session.commit()
        print(f"  catalogue: {PRODUCTS} products in {time.perf_counter() - start:.1f} s")
        tokens, shifts = [], []
        for n in range(1, REGISTERS + 1):
            user = create_user(f"kasir{n}", ["cashier"], "bench-kasir-123", f"Kasir {n}")
            register = services.create_register(f"R{n}", f"Kasir {n}", printer_id=_printer(n))
            shift = services.open_shift(register.id, 500_000, user)
            token, _ = issue_token(user)
            tokens.append(token)
            shifts.append(shift.id)
        db.session.commit()
        db.engine.dispose()
    return ids, tokens, shifts


def _printer(n):
    """A file printer with a cash drawer for register ``n`` (BENCH_PRINTER=file)."""
    if PRINTER != "file":
        return None

    # Inside <instance>/printers: the only folder the served app (production settings)
    # lets a file printer write to.
    folder = Path(current_app.instance_path) / "printers"
    folder.mkdir(exist_ok=True)
    printer = printers.create_printer(
        {
            "name": f"Kasir {n}",
            "connection": "file",
            "device": str(folder / f"printer-{n}.bin"),
            "width": 48,
            "profile": "TM-T20II",
            "drawer": {"pin": 2, "pulse_ms": 100},
        }
    )
    return printer.id


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url, instance, workers_on=False, journal=True):
    port = free_port()
    env = dict(
        os.environ,
        MART_DATABASE_URL=url,
        MART_INSTANCE_PATH=instance,
        MART_SECRET_KEY=SECRET,
        MART_START_WORKERS="1" if workers_on else "0",
        MART_LOG_LEVEL="WARNING",
        MART_BIND=f"127.0.0.1:{port}",
        MART_BACKUP_DIR=str(Path(instance) / "backups"),
    )
    env.pop("MART_WORKERS", None)
    env.pop("MART_THREADS", None)
    if WORKERS:
        env["MART_WORKERS"] = WORKERS
    if THREADS:
        env["MART_THREADS"] = THREADS
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--log-level",
            "warning",
            *(["wsgi:app"] if journal else ["--pythonpath", "bench", "wsgi_nojournal:app"]),
        ],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(instance) / "gunicorn.log", "wb"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code in (200, 503):
                return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start: see " + str(Path(instance) / "gunicorn.log"))


def sale_body(rng, ids, shift_id):
    lines = []
    for i in range(LINES):
        n = rng.randrange(len(ids))
        line = {"quantity": rng.randint(1, 3)}
        if i % 2:
            line["barcode"] = ean(n)
        else:
            line["product_id"] = ids[n]
        lines.append(line)
    return {
        "id": str(uuid.uuid4()),
        "shift_id": shift_id,
        "lines": lines,
        "payments": [{"method": "cash", "amount": 50_000_000}],
    }


class Register:
    """One register's keep-alive HTTP/1.1 connection, on a plain socket: the request's
    bytes made by hand, the answer read by its ``Content-Length``. The registers run on
    this same 2-core machine, and what they spend the server does not get: ``requests``
    cost about 1 ms of CPU a sale more than ``http.client``, and ``http.client`` (its
    answer's headers parsed by the ``email`` package, a buffered file per answer) 0,5-0,6
    ms against this one's 0,2-0,3 (4 December, 8 registers). A branch's registers are
    machines of their own. The request goes out in one write, as Chromium sends a small
    body with its headers."""

    def __init__(self, base):
        host, port = base.split("//", 1)[1].split(":")
        self.host, self.port = host, int(port)
        self.sock = None
        self.buffer = b""

    def post(self, path, token, body):
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        data = json.dumps(body).encode()
        self.sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n\r\n"
            ).encode()
            + data
        )
        status, closes = self._answer()
        if closes:
            self.close()
        return status

    def _answer(self):
        """The answer's status and whether the server closes the connection; its body
        read and dropped."""
        while b"\r\n\r\n" not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:  # the body runs to the connection's end
            raise http.client.HTTPException("an answer without Content-Length")
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self._more()
        self.buffer = self.buffer[length:]
        return status, headers.get("connection", "").lower() == "close"

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise http.client.RemoteDisconnected("the server closed the connection")
        self.buffer += chunk

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def post(session, base, token, body):
    start = time.perf_counter()
    try:
        status = session.post("/api/v1/sales", token, body)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # the run goes on
        session.close()
        return time.perf_counter() - start, type(exc).__name__
    return time.perf_counter() - start, status


def one_register(base, ids, token, shift_id, warmed=lambda: None):
    rng = random.Random(1)
    session = Register(base)
    for _ in range(10):  # warm-up: imports, connections, caches
        post(session, base, token, sale_body(rng, ids, shift_id))
    warmed()
    times, errors = [], 0
    for _ in range(SEQUENTIAL):
        elapsed, status = post(session, base, token, sale_body(rng, ids, shift_id))
        times.append(elapsed * 1000)
        errors += status != 201
    return times, errors


def many_registers(base, ids, tokens, shifts):
    errors = []
    done = []
    barrier = threading.Barrier(REGISTERS + 1)

    def run(n):
        rng = random.Random(100 + n)
        session = Register(base)
        bodies = [sale_body(rng, ids, shifts[n]) for _ in range(PER_REGISTER)]
        barrier.wait()
        count = 0
        for body in bodies:
            _, status = post(session, base, tokens[n], body)
            if status == 201:
                count += 1
            else:
                errors.append(status)
        done.append(count)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(REGISTERS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return sum(done), elapsed, errors


@contextlib.contextmanager
def displays(base, tokens):
    """BENCH_DISPLAYS=on: the registers' customer displays poll their state once a
    second (``GET /pos/display/<code>/state?v=<version>``, as pos/static/display.js),
    each on its own keep-alive connection, while the block runs. Answers how many polls
    were made (a list filled when the block ends)."""
    polls = []
    if not DISPLAYS:
        yield polls
        return
    stop = threading.Event()
    host, port = base.split("//", 1)[1].split(":")

    def poll(n):
        conn, version, made = http.client.HTTPConnection(host, int(port), timeout=60), None, 0
        headers = {"Authorization": f"Bearer {tokens[n]}"}
        while not stop.is_set():
            path = f"/pos/display/R{n + 1}/state" + ("" if version is None else f"?v={version}")
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read())
            if response.status != 200:
                raise RuntimeError(f"display R{n + 1}: {response.status} {answer}")
            version, made = answer["version"], made + 1
            stop.wait(1.0)
        conn.close()
        polls.append(made)

    threads = [threading.Thread(target=poll, args=(n,)) for n in range(REGISTERS)]
    for t in threads:
        t.start()
    try:
        yield polls
    finally:
        stop.set()
        for t in threads:
            t.join()


# --- where the CPU goes -------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_ticks(pid, kernel_only=False):
    """utime + stime of a process (clock ticks; stime alone with ``kernel_only``), or
    None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[12]) if kernel_only else int(fields[11]) + int(fields[12])
    return ticks, int(fields[1])  # (ticks, ppid)


def _gunicorn_pids(master):
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _proc_ticks(int(entry))
            if info is not None and info[1] == master:
                pids.append(int(entry))
    return pids


def _is_workers_process(pid) -> bool:
    """Whether ``pid`` is the background workers' process (``mart.workers_process``)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"mart.workers_process" in f.read()
    except OSError:
        return False


def _db_pids(url):
    if url.startswith("sqlite"):
        return []

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [r[0] for r in rows]


def cpu_snapshot(master, url):
    """CPU seconds so far per process: gunicorn (master and workers), the database's
    server processes for this database, and this bench process (the registers)."""

    def ticks(pids, kernel_only=False):
        out = {}
        for pid in pids:
            info = _proc_ticks(pid, kernel_only)
            if info is not None:
                out[pid] = info[0]
        return out

    app_pids, db_pids = _gunicorn_pids(master), _db_pids(url)
    app = ticks(app_pids)
    return {
        "app": app,
        "workers": {pid: t for pid, t in app.items() if _is_workers_process(pid)},
        "db": ticks(db_pids),
        "client": time.process_time(),
        "app kernel": ticks(app_pids, kernel_only=True),
        "db kernel": ticks(db_pids, kernel_only=True),
    }


def cpu_per_sale(before, after, sales):
    """Milliseconds of CPU per sale between two snapshots (app, database, client)."""

    def spent(part):
        return sum(t - before[part].get(pid, 0) for pid, t in after[part].items()) / TICK

    app, dbs = spent("app"), spent("db")
    client = after["client"] - before["client"]
    return {k: v * 1000 / max(sales, 1) for k, v in (("app", app), ("db", dbs), ("client", client))}


def kernel_share(before, after, sales) -> str:
    """The kernel's part (system time) of the app's and the server's CPU per sale."""

    def spent(part):
        return sum(t - before[part].get(pid, 0) for pid, t in after[part].items()) / TICK

    app, dbs = (spent(part) * 1000 / max(sales, 1) for part in ("app kernel", "db kernel"))
    return f"; in the kernel: app {app:.1f} ms, database server {dbs:.1f} ms"


def workers_share(before, after, sales) -> str:
    """The workers' process's part of the app's CPU per sale, as printed after it."""
    spent = sum(t - before["workers"].get(pid, 0) for pid, t in after["workers"].items()) / TICK
    return f" (of which the workers' process {spent * 1000 / max(sales, 1):.1f} ms)"


def statements_reset(url):
    """BENCH_PG_STATEMENTS=1 (a server with pg_stat_statements loaded): forget the
    statements counted so far."""
    if STATEMENTS and not url.startswith("sqlite"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")


def statements_report(url, sales):
    """BENCH_PG_STATEMENTS=1: this database's statements since the reset, the costliest
    first: calls, server time (planning + execution) and rows per sale."""
    if not STATEMENTS or url.startswith("sqlite"):
        return
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT calls, total_plan_time + total_exec_time, rows, plans, query "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) ORDER BY 2 DESC LIMIT 25"
        ).fetchall()
        tables = conn.execute(
            "SELECT relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC LIMIT 4"
        ).fetchall()
    print(
        "  updated rows (of them HOT) since the database was made: "
        + ", ".join(f"{name} {updated} ({hot})" for name, updated, hot in tables)
    )
    print(f"  statements per sale ({sales} sales): calls, ms, rows, plans, statement")
    for calls, ms, count, plans, query in rows:
        text = " ".join(query.split())[:150]
        print(
            f"    {calls / sales:6.2f} {ms / sales:7.3f} {count / sales:7.2f} "
            f"{plans / sales:6.2f}  {text}"
        )


# --- the same sale by hand-written SQL -----------------------------------------------


def _hand_connection(url):
    """A plain DB-API connection, a function turning ``%s`` into the driver's
    placeholder, and the statement that begins a sale's transaction."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=15)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn, (lambda sql: sql.replace("%s", "?")), "BEGIN IMMEDIATE"

    conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    return conn, (lambda sql: sql), "BEGIN"


_HAND_SALE = (
    "INSERT INTO sales (id, number, register_id, shift_id, cashier_id, subtotal, "
    "line_discount, sale_discount, discount, total, rounding, taxable, dpp, ppn, paid, "
    "change, status, business_date, created_at) VALUES (%s, %s, 1, %s, 1, %s, 0, 0, 0, "
    "%s, 0, 0, 0, 0, %s, %s, 'completed', %s, %s)"
)
_HAND_LINE = (
    "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, unit, "
    "quantity, regular_price, unit_price, member_price, gross, discount, "
    "sale_discount_share, amount, tax) VALUES "
    "(%s, %s, %s, %s, %s, 'pcs', %s, %s, %s, FALSE, %s, 0, 0, %s, %s)"
)
_HAND_MOVEMENT = (
    "INSERT INTO inv_movements (product_id, kind, quantity, unit_cost, "
    "unit_price, owner, ref_type, ref_id, at) "
    "VALUES (%s, 'sale', %s, 0, %s, 'mart', 'sale', %s, %s)"
)
_HAND_PAYMENT = "INSERT INTO payments (sale_id, method, amount) VALUES (%s, 'cash', %s)"
_HAND_PRINT_JOB = (
    "INSERT INTO print_jobs (kind, payload, status, attempts, copy, ref_type, ref_id, "
    "created_at) VALUES (%s, %s, 'pending', 0, FALSE, 'sale', %s, %s)"
)
_HAND_AUDIT = (
    "INSERT INTO audit_log (at, action, target_type, target_id) "
    "VALUES (%s, 'sale.create', 'Sale', %s)"
)


def _hand_sale_row(sale_id, number, shift_id, total, now):
    return (
        sale_id,
        number,
        shift_id,
        total,
        total,
        50_000_000,
        50_000_000 - total,
        now.date(),
        now,
    )


def _hand_line_row(sale_id, no, product, qty):
    pid, price, name, sku, tax = product
    return (sale_id, no, pid, sku, name, qty * 1000, price, price, price * qty, price * qty, tax)


def _timed_hand_sales(url, count, seed, products, write_sale):
    """``count`` sales written by hand with plain DB-API calls, each in one transaction,
    timed in ms: a sale's lines (``(barcode, quantity)``, drawn from ``products``) are
    drawn before its clock starts, then ``write_sale(cur, q, codes, sale_id, now)``
    writes it between BEGIN and COMMIT (``q`` turns ``%s`` into the driver's mark)."""
    conn, q, begin = _hand_connection(url)
    rng = random.Random(seed)
    times = []
    for _ in range(count or SEQUENTIAL):
        codes = [(ean(rng.randrange(products)), rng.randint(1, 3)) for _i in range(LINES)]
        start = time.perf_counter()
        cur = conn.cursor()
        cur.execute(begin)
        write_sale(cur, q, codes, str(uuid.uuid4()), datetime.now(UTC).replace(tzinfo=None))
        cur.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return times


def hand_sql(url, ids, shift_id, register_code="R1", count=None):
    """The rows a sale writes, in one transaction, with plain DB-API calls: naively, a
    statement per line (products, lines, movements, on-hand)."""

    def write_sale(cur, q, codes, sale_id, now):
        cur.execute(
            q("UPDATE counters SET value = value + 1 WHERE name = %s RETURNING value"),
            (f"receipt:{register_code}",),
        )
        row = cur.fetchone()
        if row is None:
            cur.execute(
                q("INSERT INTO counters (name, value) VALUES (%s, 1)"),
                (f"receipt:{register_code}",),
            )
            seq = 1
        else:
            seq = row[0]
        lines = []
        for code, qty in codes:
            cur.execute(
                q(
                    "SELECT p.id, p.price, p.name, p.sku, p.tax FROM inv_products p "
                    "JOIN inv_barcodes b ON b.product_id = p.id WHERE b.code = %s"
                ),
                (code,),
            )
            lines.append((cur.fetchone(), qty))
        total = sum(p[1] * qty for p, qty in lines)
        number = f"HAND-{register_code}-{seq:06d}"
        cur.execute(q(_HAND_SALE), _hand_sale_row(sale_id, number, shift_id, total, now))
        for no, (product, qty) in enumerate(lines, 1):
            cur.execute(q(_HAND_LINE), _hand_line_row(sale_id, no, product, qty))
        for (pid, price, *_), qty in sorted(lines, key=lambda x: x[0][0]):
            cur.execute(q(_HAND_MOVEMENT), (pid, -qty * 1000, price, sale_id, now))
            cur.execute(
                q("UPDATE inv_products SET on_hand = on_hand - %s, updated_at = %s WHERE id = %s"),
                (qty * 1000, now, pid),
            )
        cur.execute(q(_HAND_PAYMENT), (sale_id, 50_000_000))
        cur.execute(
            q(_HAND_PRINT_JOB), ("receipt", json.dumps({"lines": len(lines)}), sale_id, now)
        )
        cur.execute(q(_HAND_AUDIT), (now, sale_id))

    return _timed_hand_sales(url, count, 5, len(ids), write_sale)


def hand_sql_batched(url, ids, shift_id, register_code="R1", count=None):
    """The same sale in the app's statements, by hand: the products of all lines in one
    ``IN``, the counter by one upsert, lines and movements by executemany (psycopg sends
    an executemany in one pipeline), on-hand by one statement on PostgreSQL. What this
    costs is what the app's SQL costs; the rest of the app's time is the framework."""
    sqlite = url.startswith("sqlite")
    counter = f"receipt:{register_code}:batched"

    def write_sale(cur, q, codes, sale_id, now):
        cur.execute(
            q(
                "INSERT INTO counters (name, value) VALUES (%s, 1) ON CONFLICT (name) "
                "DO UPDATE SET value = counters.value + 1 RETURNING value"
            ),
            (counter,),
        )
        seq = cur.fetchone()[0]
        marks = ", ".join([q("%s")] * len(codes))
        cur.execute(
            "SELECT b.code, p.id, p.price, p.name, p.sku, p.tax FROM inv_products p "
            f"JOIN inv_barcodes b ON b.product_id = p.id WHERE b.code IN ({marks})",
            [code for code, _ in codes],
        )
        found = {row[0]: row[1:] for row in cur.fetchall()}
        lines = [(found[code], qty) for code, qty in codes]
        total = sum(p[1] * qty for p, qty in lines)
        number = f"BATCH-{register_code}-{seq:06d}"
        cur.execute(q(_HAND_SALE), _hand_sale_row(sale_id, number, shift_id, total, now))
        cur.executemany(
            q(_HAND_LINE),
            [
                _hand_line_row(sale_id, no, product, qty)
                for no, (product, qty) in enumerate(lines, 1)
            ],
        )
        cur.execute(q(_HAND_PAYMENT), (sale_id, 50_000_000))
        moves = sorted((p[0], qty * 1000, p[1]) for p, qty in lines)
        cur.executemany(
            q(_HAND_MOVEMENT),
            [(pid, -quantity, price, sale_id, now) for pid, quantity, price in moves],
        )
        if sqlite:
            cur.executemany(
                "UPDATE inv_products SET on_hand = on_hand - ?, updated_at = ? WHERE id = ?",
                [(quantity, now, pid) for pid, quantity, _ in moves],
            )
        else:
            cur.execute(
                "UPDATE inv_products SET on_hand = inv_products.on_hand - m.quantity, "
                "updated_at = %s FROM unnest(%s::integer[], %s::bigint[]) AS m(id, quantity) "
                "WHERE inv_products.id = m.id",
                (now, [m[0] for m in moves], [m[1] for m in moves]),
            )
        cur.executemany(
            q(_HAND_PRINT_JOB),
            [
                ("receipt", json.dumps({"lines": len(lines)}), sale_id, now),
                ("drawer", "{}", sale_id, now),
            ],
        )
        cur.execute(q(_HAND_AUDIT), (now, sale_id))

    return _timed_hand_sales(url, count, 7, len(ids), write_sale)


_HAND_ONE_SALE_PG = (
    "WITH counter AS (INSERT INTO counters (name, value) VALUES (%(counter)s, 1)"
    " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value),"
    " sale AS (INSERT INTO sales (id, number, register_id, shift_id, cashier_id, subtotal,"
    " line_discount, sale_discount, discount, total, rounding, taxable, dpp, ppn, paid,"
    " change, status, business_date, created_at) VALUES (%(id)s,"
    " (SELECT %(prefix)s || lpad(value::text, 6, '0') FROM counter), 1, %(shift)s, 1,"
    " %(total)s, 0, 0, 0, %(total)s, 0, 0, 0, 0, %(paid)s, %(change)s, 'completed',"
    " %(day)s, %(now)s) RETURNING number),"
    " lines AS (INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name, unit,"
    " quantity, regular_price, unit_price, member_price, gross, discount,"
    " sale_discount_share, amount, tax) SELECT %(id)s, l.no, l.pid, l.sku, l.name, 'pcs',"
    " l.qty, l.price, l.price, FALSE, l.amount, 0, 0, l.amount, l.tax FROM unnest("
    " %(nos)s::integer[], %(pids)s::integer[], %(skus)s::text[], %(names)s::text[],"
    " %(qtys)s::bigint[], %(prices)s::bigint[], %(amounts)s::bigint[], %(taxes)s::text[])"
    " AS l(no, pid, sku, name, qty, price, amount, tax) ORDER BY l.no),"
    " payments AS (INSERT INTO payments (sale_id, method, amount)"
    " VALUES (%(id)s, 'cash', %(paid)s)),"
    " locked AS MATERIALIZED (SELECT id FROM inv_products WHERE id = ANY(%(mids)s::integer[])"
    " ORDER BY id FOR NO KEY UPDATE),"
    " moved AS (SELECT * FROM unnest(%(mids)s::integer[], %(mqtys)s::bigint[],"
    " %(mprices)s::bigint[]) AS m(id, qty, price)),"
    " movements AS (INSERT INTO inv_movements (product_id, kind, quantity, unit_cost,"
    " unit_price, owner, ref_type, ref_id, at) SELECT id, 'sale', -qty, 0, price, 'mart',"
    " 'sale', %(id)s, %(now)s FROM moved ORDER BY id),"
    " on_hand AS (UPDATE inv_products SET on_hand = inv_products.on_hand - moved.qty,"
    " updated_at = %(now)s FROM locked JOIN moved ON moved.id = locked.id"
    " WHERE inv_products.id = locked.id)"
    " SELECT number FROM sale"
)
_HAND_TAIL_PG = (
    "WITH jobs AS (INSERT INTO print_jobs (kind, payload, status, attempts, copy, ref_type,"
    " ref_id, created_at) VALUES ('receipt', %(payload)s, 'pending', 0, FALSE, 'sale',"
    " %(id)s, %(now)s), ('drawer', '{}', 'pending', 0, FALSE, 'sale', %(id)s, %(now)s))"
    " INSERT INTO audit_log (at, action, target_type, target_id)"
    " VALUES (%(now)s, 'sale.create', 'Sale', %(id)s)"
)


def hand_sql_pg_statements(url, ids, shift_id, register_code="R1", count=None):
    """PostgreSQL: the same sale in the app's statements since 4 December, by hand: the
    products, then the receipt number, the sale, its lines, its payment, its stock
    movements and on-hand in ONE statement (data-modifying CTEs), then the print jobs
    and the audit row in one more, then COMMIT. The floor of the app's sale path now."""

    def write_sale(cur, _q, codes, sale_id, now):
        cur.execute(
            "SELECT b.code, p.id, p.price, p.name, p.sku, p.tax FROM inv_products p "
            "JOIN inv_barcodes b ON b.product_id = p.id WHERE b.code = ANY(%s)",
            ([code for code, _ in codes],),
        )
        found = {row[0]: row[1:] for row in cur.fetchall()}
        lines = [(found[code], qty) for code, qty in codes]
        total = sum(p[1] * qty for p, qty in lines)
        moves = sorted((p[0], qty * 1000, p[1]) for p, qty in lines)
        cur.execute(
            _HAND_ONE_SALE_PG,
            {
                "counter": f"receipt:{register_code}:one",
                "prefix": f"ONE-{register_code}-",
                "id": sale_id,
                "shift": shift_id,
                "total": total,
                "paid": 50_000_000,
                "change": 50_000_000 - total,
                "day": now.date(),
                "now": now,
                "nos": list(range(1, len(lines) + 1)),
                "pids": [p[0] for p, _ in lines],
                "skus": [p[3] for p, _ in lines],
                "names": [p[2] for p, _ in lines],
                "qtys": [qty * 1000 for _, qty in lines],
                "prices": [p[1] for p, _ in lines],
                "amounts": [p[1] * qty for p, qty in lines],
                "taxes": [p[4] for p, _ in lines],
                "mids": [m[0] for m in moves],
                "mqtys": [m[1] for m in moves],
                "mprices": [m[2] for m in moves],
            },
        )
        cur.fetchone()
        cur.execute(
            _HAND_TAIL_PG,
            {"payload": json.dumps({"lines": len(lines)}), "id": sale_id, "now": now},
        )

    return _timed_hand_sales(url, count, 11, len(ids), write_sale)


def check(url, instance):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    with app.app_context():
        problems = []
        for n in range(1, REGISTERS + 1):
            numbers = sorted(
                db.session.scalars(
                    sa.select(Sale.number).where(Sale.register_id == n, Sale.number.like("JKT01-%"))
                ).all()
            )
            expected = [f"JKT01-R{n}-{i:06d}" for i in range(1, len(numbers) + 1)]
            if numbers != expected:
                problems.append(f"R{n}: receipt numbers not gap-free")
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Sale))
        db.engine.dispose()
    return total, problems


def load():
    """The machine's load average (1, 5, 15 min): the figures depend on it on a shared box."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def modes():
    return {"off": [False], "on": [True]}.get(START_WORKERS, [False, True])


def wait_settled(instance, workers_on):
    """With the workers on, the daily backup runs at start (no backup yet): wait for it,
    so the measurement is of the sale path, not of a pg_dump that runs once a day."""
    if not workers_on:
        return

    start = time.perf_counter()
    found = wait_for_backup(Path(instance) / "backups", timeout=120)
    print(
        f"  (workers on: first backup {'taken' if found else 'NOT taken'} "
        f"{time.perf_counter() - start:.1f} s after start; measuring from here)"
    )


def clear_print_queue(url, instance):
    """The jobs an earlier run left waiting (no worker then) are not this run's work."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    with app.app_context():
        db.session.execute(sa.delete(PrintJob))
        db.session.commit()
        db.engine.dispose()


def journal_modes():
    return [True, False, True] if JOURNAL == "both" else [True]


def server_settings(url):
    """gunicorn's workers x threads as deploy/gunicorn.conf.py (or BENCH_*) gives them:
    read from that file, with the environment start_gunicorn gives it."""
    env = {"MART_DATABASE_URL": url, "MART_WORKERS": WORKERS or "", "MART_THREADS": THREADS or ""}
    with mock.patch.dict(os.environ, {k: v for k, v in env.items() if v}, clear=False):
        for name in ("MART_WORKERS", "MART_THREADS"):
            if not env[name]:
                os.environ.pop(name, None)
        conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    return f"{conf['workers']}x{conf['threads']}"


def measure(label, url, instance, ids, tokens, shifts, workers_on, journal=True):
    if workers_on:
        clear_print_queue(url, instance)
    proc, base = start_gunicorn(url, instance, workers_on, journal)
    tag = ("ON " if workers_on else "OFF") + (
        "" if JOURNAL != "both" else (", journal ON " if journal else ", journal OFF")
    )
    try:
        wait_settled(instance, workers_on)
        before = {}
        with displays(base, tokens) as polls:
            times, errors = one_register(
                base, ids, tokens[0], shifts[0], lambda: before.update(cpu_snapshot(proc.pid, url))
            )
            after = cpu_snapshot(proc.pid, url)
        if DISPLAYS:
            print(f"  [workers {tag}] the {REGISTERS} customer displays polled {sum(polls)} times")
        cpu = cpu_per_sale(before, after, len(times))
        share = workers_share(before, after, len(times)) if workers_on else ""
        print(
            f"  [workers {tag}] one register: {len(times)} sales, p50 "
            f"{statistics.median(times):.1f} ms, p99 {pct(times, 99):.1f} ms, mean "
            f"{statistics.fmean(times):.1f} ms, errors {errors}; CPU per sale: app "
            f"{cpu['app']:.1f} ms{share}, database server {cpu['db']:.1f} ms (load average "
            f"{load()})"
        )
        statements_reset(url)
        with displays(base, tokens):
            before = cpu_snapshot(proc.pid, url)
            sold, elapsed, errs = many_registers(base, ids, tokens, shifts)
            after = cpu_snapshot(proc.pid, url)
        statements_report(url, sold)
        cpu = cpu_per_sale(before, after, sold)
        share = workers_share(before, after, sold) if workers_on else ""
        print(
            f"  [workers {tag}] {REGISTERS} registers at once: {sold} sales in {elapsed:.1f} s = "
            f"{sold / elapsed:.0f} sales/s, errors {len(errs)} {sorted(set(map(str, errs))) or ''}"
            f" (load average {load()})"
        )
        total = sum(cpu.values())
        print(
            f"  [workers {tag}] CPU per sale there: app (gunicorn) {cpu['app']:.1f} ms{share}, "
            f"database server {cpu['db']:.1f} ms, bench client {cpu['client']:.1f} ms; "
            f"{os.cpu_count()} cores fit at most {os.cpu_count() * 1000 / total:.0f} sales/s of "
            f"that with nothing else running{kernel_share(before, after, sold)}"
        )
        if workers_on:
            print(f"  [workers {tag}] print jobs: {print_outcome(url, instance)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return len(times) + 10 + sold


def print_outcome(url, instance, wait=30.0):
    """How the print jobs ended (the worker may still be sending the last ones)."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, MART_INSTANCE_PATH=instance)
    app = create_app(config)
    deadline = time.monotonic() + (wait if PRINTER == "file" else 0)
    with app.app_context():
        while True:
            counts = dict(
                db.session.execute(
                    sa.select(PrintJob.status, sa.func.count()).group_by(PrintJob.status)
                ).all()
            )
            db.session.rollback()
            if not counts.get("pending") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        db.engine.dispose()
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def run(label, url):
    instance = tempfile.mkdtemp(prefix=f"bench-pos-{label}-")
    print(
        f"== {label}: {PRODUCTS} products, {LINES}-line sales, gunicorn "
        f"{server_settings(url)} threads (deploy/gunicorn.conf.py), printer: {PRINTER} "
        f"(load average {load()})"
    )
    ids, tokens, shifts = build(url, instance)
    posted = 0
    for workers_on in modes():
        for journal in journal_modes():
            posted += measure(label, url, instance, ids, tokens, shifts, workers_on, journal)
    hand = hand_sql(url, ids, shifts[0])
    print(
        f"  hand-written SQL, same sale, one transaction, a statement per line: "
        f"p50 {statistics.median(hand):.2f} ms, p99 {pct(hand, 99):.2f} ms"
    )
    batched = hand_sql_batched(url, ids, shifts[0])
    print(
        f"  hand-written SQL, the app's batched statements: p50 "
        f"{statistics.median(batched):.2f} ms, p99 {pct(batched, 99):.2f} ms "
        "(the app's one-register p50 less this is the framework's share)"
    )
    expected = posted + len(hand) + len(batched)
    if not url.startswith("sqlite"):
        one = hand_sql_pg_statements(url, ids, shifts[0])
        expected += len(one)
        print(
            f"  hand-written SQL, the app's statements since 4 December (the sale and its "
            f"stock in one, print jobs and audit in one more): p50 "
            f"{statistics.median(one):.2f} ms, p99 {pct(one, 99):.2f} ms"
        )
    total, problems = check(url, instance)
    print(
        f"  stored sales {total} (expected {expected}); "
        + ("; ".join(problems) or "numbers gap-free")
        + f"; load average {load()}"
    )


def main():
    if WHICH in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp(prefix="bench-pos-db-")) / "bench.sqlite3"
        run("SQLite", f"sqlite:///{path}")
    if WHICH in ("postgres", "both"):
        try:
            admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            print(f"== PostgreSQL skipped: {exc}")
            return
        name = f"bench_pos_{secrets.token_hex(4)}"
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            run("PostgreSQL", f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
