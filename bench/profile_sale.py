"""In-process profile of the sale path: N 10-line sales through app.test_client().

Builds (like bench_pos.py) the schema, a catalogue of 50.000 products and open shifts,
then posts sales one after another and prints, per sale, the wall time, the CPU time
of this process (time.process_time: the figure to compare on a shared machine) and the
number of SQL statements (a before_cursor_execute counter; an executemany counts once).

    PROFILE_DB=sqlite|postgres (default sqlite)
    PROFILE_SALES=200 sales measured (after 20 warm-up sales)
    BENCH_SCALE=0.2 scales the catalogue down (default 1: 50.000 products)
    PROFILE_PYINSTRUMENT=1 also prints a pyinstrument profile of the measured sales
    PROFILE_CPROFILE=1 prints cProfile's 40 costliest functions by own time and 80 by
        cumulative time (deterministic: counts every call, slower than pyinstrument);
        PROFILE_CPROFILE=cpu times them by CPU (process_time): the database's time is not
        in it, so the cumulative figures are this process's work; the profile is also
        written to PROFILE_DUMP (default /tmp/sale.prof) for pstats' print_callers
    PROFILE_CALLGRIND=1 under ``valgrind --tool=callgrind --instr-atstart=no``: counts the
        instructions of the measured sales only (repeatable whatever the machine's load;
        ``callgrind_annotate`` reads the total)
    PROFILE_NO_JOURNAL=1 leaves the sale's journal out of every measured sale (compare
        two PROFILE_CALLGRIND runs, with and without, for the books' share)
    PROFILE_PROMOTIONS=1 two promotions running (issue 15): 10% off every other product
        of the catalogue, and a bundle of two (compare PROFILE_CALLGRIND runs with and
        without); PROFILE_PROMOTIONS_CACHE=<seconds> sets MART_PROMOTIONS_CACHE_SECONDS
        (under valgrind 10 s are a few sales: the list is read again and again)
    PROFILE_PACKS=1 (issue 15) gives every product a quantity price from 2 pieces and the
        first 1.000 products a DUS of 12 with its own barcode, and makes 2 of each sale's
        10 lines a scanned DUS: the sale path with packs and tiers
    The app loaded and warmed up is frozen out of the collector's sight (gc.freeze), as
        in a serving process; the collections per sale and their CPU are printed (4 Dec:
        0.03 a sale, 0.01 ms: not a lever); PROFILE_GC_THRESHOLD="a,b,c" sets others
    PROFILE_DISPLAY_POLL=1 the register's customer display polls its state before each
        sale (untimed, but the server CPU counts it): a request ending without a commit
        between the sales, as at a branch, where a display polls once a second
        (pos/README.md, "A rollback forgot the prepared statements")
    PROFILE_COUNT=0 counts no statements: the counter is an engine event listener, and
        with one SQLAlchemy looks for listeners at every statement, begin and commit
        (the app itself listens for none on PostgreSQL since 4 December)
    PROFILE_WORKER=1 then sends the measured sales' print jobs by the print worker in this
        process and prints its CPU a job (PROFILE_CPROFILE=cpu: its profile instead of
        the sales')
    PROFILE_JOURNAL_AB=1 measures the books' share of the sale: the measured sales
        alternate between the journal posted (as always) and the journal left out
        (pos.services.sales._journal_sale replaced by a no-op for that sale only), in one run
"""

import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_pos  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from config import TestConfig  # noqa: E402
from mart import create_app  # noqa: E402
from mart.extensions import db  # noqa: E402
from pos.services import sales  # noqa: E402
from printers import worker as print_worker  # noqa: E402

WHICH = os.environ.get("PROFILE_DB", "sqlite")
SALES = int(os.environ.get("PROFILE_SALES", 200))
WARMUP = 20


def main():
    instance = tempfile.mkdtemp(prefix="mart-profile-")
    if WHICH == "postgres":
        name = f"mart_profile_{os.getpid()}"
        admin = sa.create_engine(bench_pos.ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = bench_pos.ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{instance}/mart.db"
    try:
        run(url, instance)
    finally:
        if WHICH == "postgres":
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def add_promotions(app, ids):
    """Two running promotions, written directly (the service checks every product)."""
    from datetime import UTC, datetime, timedelta  # noqa: PLC0415

    from pos.models import Promotion  # noqa: PLC0415

    now = datetime.now(UTC)
    period = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=1)}
    with app.app_context():
        db.session.add(
            Promotion(name="10%", kind="percent", percent=10, product_ids=ids[::2], **period)
        )
        db.session.add(
            Promotion(name="Paket", kind="bundle", bundle_price=1, product_ids=ids[:2], **period)
        )
        db.session.commit()


def run(url, instance):
    print(f"{WHICH}: {bench_pos.PRODUCTS} products, {SALES} sales of {bench_pos.LINES} lines")
    ids, tokens, shifts = bench_pos.build(url, instance)
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=url,
        MART_INSTANCE_PATH=instance,
        TESTING=False,
        SECRET_KEY=bench_pos.SECRET,
    )
    if os.environ.get("PROFILE_PROMOTIONS_CACHE"):  # seconds; valgrind runs ~50x slower
        config["MART_PROMOTIONS_CACHE_SECONDS"] = int(os.environ["PROFILE_PROMOTIONS_CACHE"])
    app = create_app(config)
    if os.environ.get("PROFILE_PROMOTIONS"):
        add_promotions(app, ids)
    packs = _with_packs(app, ids) if os.environ.get("PROFILE_PACKS") else None
    client = app.test_client()
    headers = {"Authorization": f"Bearer {tokens[0]}", "Content-Type": "application/json"}
    rng = random.Random(5)
    statements = [0]
    echo = False
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, parameters, context, executemany):
        statements[0] += 1
        if echo:
            width = int(os.environ.get("PROFILE_ECHO_WIDTH", 150))
            print("   ", " ".join(statement.split())[:width])

    if os.environ.get("PROFILE_COUNT", "1") != "0":
        sa.event.listen(engine, "before_cursor_execute", count)

    poll_display = os.environ.get("PROFILE_DISPLAY_POLL")

    def one():
        if poll_display:  # the register's customer display, as at a branch (untimed)
            polled = client.get("/pos/display/R1/state", headers=headers)
            assert polled.status_code == 200, polled.get_data(as_text=True)
        body = bench_pos.sale_body(rng, ids, shifts[0])
        if packs:
            for line in body["lines"][:2]:
                line.pop("product_id", None)
                line["barcode"] = packs[rng.randrange(len(packs))]
                line["quantity"] = 1
        statements[0] = 0
        w, c = time.perf_counter(), time.process_time()
        r = client.post("/api/v1/sales", data=json.dumps(body), headers=headers)
        w, c = time.perf_counter() - w, time.process_time() - c
        assert r.status_code == 201, r.get_data(as_text=True)
        return w * 1000, c * 1000, statements[0]

    for _ in range(WARMUP):
        one()
    # As a serving process of the branch's server (deploy/gunicorn.conf.py): the loaded
    # app frozen out of the collector's sight. PROFILE_GC_THRESHOLD="a,b,c" tries others.
    gc.collect()
    gc.freeze()
    if os.environ.get("PROFILE_GC_THRESHOLD"):
        gc.set_threshold(*(int(v) for v in os.environ["PROFILE_GC_THRESHOLD"].split(",")))
    collected = {"n": 0, "s": 0.0, "t": 0.0}

    def count_gc(phase, info):
        if phase == "start":
            collected["t"] = time.process_time()
        else:
            collected["n"] += 1
            collected["s"] += time.process_time() - collected["t"]

    gc.callbacks.append(count_gc)
    if os.environ.get("PROFILE_ECHO"):  # the statements of one sale
        echo = True
        one()
        echo = False
    profiler = None
    if os.environ.get("PROFILE_PYINSTRUMENT"):
        profiler = Profiler(interval=0.0005)
        profiler.start()
    if os.environ.get("PROFILE_JOURNAL_AB"):
        journal_ab(one)
        return
    if os.environ.get("PROFILE_NO_JOURNAL"):  # the books' share, with PROFILE_CALLGRIND
        sales._journal_sale = lambda *args, **kwargs: None
    callgrind = os.environ.get("PROFILE_CALLGRIND")
    if callgrind:  # run under valgrind --tool=callgrind --instr-atstart=no
        subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True)
    cprofile = None
    if os.environ.get("PROFILE_CPROFILE") and not os.environ.get("PROFILE_WORKER"):
        # PROFILE_CPROFILE=cpu times by process_time: waiting on the database is left out
        timer = time.process_time if os.environ["PROFILE_CPROFILE"] == "cpu" else None
        cprofile = cProfile.Profile(timer) if timer else cProfile.Profile()
        cprofile.enable()
    db_before = _db_cpu(url)
    results = [one() for _ in range(SALES)]
    db_spent = _db_cpu(url) - db_before
    if callgrind:
        subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True)
        print(f"  instructions counted for {SALES} sales: see callgrind.out.{os.getpid()}")
    if profiler is not None:
        profiler.stop()
    if cprofile is not None:
        cprofile.disable()
        cprofile.dump_stats(os.environ.get("PROFILE_DUMP", "/tmp/sale.prof"))
        stats = pstats.Stats(cprofile).strip_dirs()
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(80)
    walls, cpus, stmts = zip(*results, strict=True)
    print(
        f"  load average {bench_pos.load()}\n"
        f"  wall ms p50 {statistics.median(walls):.1f} p99 {bench_pos.pct(walls, 99):.1f}"
        f"  cpu ms p50 {statistics.median(cpus):.1f} mean {statistics.mean(cpus):.1f}"
        f"  statements/sale {statistics.median(stmts):.0f} (min {min(stmts)}, max {max(stmts)})"
    )
    if WHICH == "postgres":
        print(f"  database server CPU per sale {db_spent * 1000 / SALES:.2f} ms")
    print(
        f"  garbage collections per sale {collected['n'] / SALES:.2f}, their CPU per sale "
        f"{collected['s'] * 1000 / SALES:.2f} ms (thresholds {gc.get_threshold()})"
    )
    gc.callbacks.remove(count_gc)
    if os.environ.get("PROFILE_WORKER"):
        profile_worker(app, SALES)
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False, show_all=False))


def profile_worker(app, sales_count):
    """The print worker's share: the measured sales' receipts and drawer kicks sent by
    ``printers.worker.Worker`` passes in this process (as the workers' process does,
    to the bench's file printers), timed by CPU; with PROFILE_CPROFILE=cpu, profiled."""
    print_worker.DRAWER_MAX_AGE = 3600.0  # the kicks of the first sales are not dropped
    worker = print_worker.Worker(app, name="profile")
    profile = cProfile.Profile(time.process_time) if os.environ.get("PROFILE_CPROFILE") else None
    done, passes, spent = 0, 0, time.process_time()
    if profile is not None:
        profile.enable()
    while True:
        outcome = worker.run_once(keep=True)
        passes += 1
        if not any(outcome.values()):
            break
        done += sum(outcome.values())
    if profile is not None:
        profile.disable()
    spent = time.process_time() - spent
    with app.app_context():
        worker.close()
    if profile is not None:
        pstats.Stats(profile).strip_dirs().sort_stats("cumulative").print_stats(45)
    print(
        f"  print worker: {done} jobs in {passes} passes, CPU {spent * 1000 / max(done, 1):.2f} ms "
        f"a job, {spent * 1000 / sales_count:.2f} ms a sale"
    )


def _db_cpu(url) -> float:
    """CPU seconds so far of the database's server processes for this database."""
    if WHICH != "postgres":
        return 0.0
    plain = url.replace("+psycopg", "")
    ticks = [bench_pos._proc_ticks(pid) for pid in bench_pos._db_pids(plain)]
    return sum(t[0] for t in ticks if t is not None) / bench_pos.TICK


def _with_packs(app, ids, count=1000):
    """Tiers on every product, a DUS of 12 on the first ``count``: their barcodes."""
    from inventory import barcodes as bc  # noqa: PLC0415
    from inventory.models import Product, ProductPack  # noqa: PLC0415

    codes = [bc.with_check_digit(f"897{i:09d}") for i in range(count)]
    with app.app_context():
        table = Product.__table__
        tiers = [
            {"pid": pid, "tiers": [{"min_quantity": "2.000", "price": price - 5}]}
            for pid, price in db.session.execute(sa.select(table.c.id, table.c.price)).all()
        ]
        db.session.connection().execute(
            table.update()
            .where(table.c.id == sa.bindparam("pid"))
            .values(price_tiers=sa.bindparam("tiers", type_=sa.JSON)),
            tiers,
        )
        db.session.execute(
            sa.insert(ProductPack.__table__),
            [
                {"product_id": pid, "name": "DUS", "factor": 12, "barcode": code, "price": 100_000}
                for pid, code in zip(ids[:count], codes, strict=True)
            ],
        )
        db.session.commit()
        db.engine.dispose()
    return codes


def journal_ab(one):
    """Sales with and without their journal, alternating, so both see the same load."""
    posting = sales._journal_sale
    on, off = [], []
    for i in range(SALES):
        if i % 2:
            sales._journal_sale = lambda *a, **k: None
            try:
                off.append(one())
            finally:
                sales._journal_sale = posting
        else:
            on.append(one())
    print(f"  load average {bench_pos.load()}")
    for label, rows in (("journal posted", on), ("journal left out", off)):
        walls, cpus, stmts = zip(*rows, strict=True)
        print(
            f"  {label:16}: wall ms p50 {statistics.median(walls):.2f}"
            f" p99 {bench_pos.pct(walls, 99):.1f}  cpu ms p50 {statistics.median(cpus):.2f}"
            f" mean {statistics.mean(cpus):.2f}  statements/sale {statistics.median(stmts):.0f}"
        )
    share = statistics.median([c for _w, c, _s in on]) / statistics.median([c for _w, c, _s in off])
    print(f"  CPU per sale with the journal / without: {share:.3f}")


if __name__ == "__main__":
    main()
