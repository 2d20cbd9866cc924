"""The hub's daily reports partitioned by year on PostgreSQL.

``hub_reports`` is a declaratively partitioned table (``PARTITION BY RANGE (date)``)
on PostgreSQL: one partition per calendar year, ``hub_reports_y2026`` holding
2026-01-01 up to 2027-01-01, and ``hub_reports_default`` catching any date no yearly
partition covers (a safety net: a report is never refused for its date). Old years
stay cold: a query on one year reads one partition, and a year can one day be moved to
cheaper storage or detached whole.

The app creates the yearly partitions ahead of time: at ``flask mart init`` and when
the hub starts (this year and the next), and when a report arrives for a year that has
none yet (before the ingest transaction, on a connection of its own). When rows for a
year already sit in the default partition, they are moved into the new yearly one in
the same transaction that attaches it.

On SQLite ``hub_reports`` stays a plain table and all of this does nothing.
"""

import re
from datetime import date

import sqlalchemy as sa

PARENT = "hub_reports"
DEFAULT = "hub_reports_default"
CHILD_RE = re.compile(r"^hub_reports_(y\d{4}|default)$")

# Each partition is vacuumed after a few thousand new reports (about a day of the whole
# country), not after a fifth of its rows: the vacuum marks the new pages all-visible,
# so reading the recent days through the covering date index stays index-only (a page
# not marked is read from the table). Set on every partition: a partitioned table
# takes no storage parameters.
AUTOVACUUM = "autovacuum_vacuum_insert_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0"

# Years known to have a partition, per engine URL (a partition is never dropped by the
# app, so a cache per process is safe).
_known: dict[str, set[int]] = {}


def is_partition(name: str) -> bool:
    """Whether ``name`` is a partition of hub_reports (not part of the models: left out
    of the migrations-versus-models comparison)."""
    return bool(CHILD_RE.match(name or ""))


def include_name(name, type_, parent_names):
    """For Alembic's autogenerate (``include_name``): skip the partitions."""
    if type_ == "table":
        return not is_partition(name)
    return True


def child_name(year: int) -> str:
    return f"{PARENT}_y{year}"


def is_partitioned(conn) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return bool(
        conn.exec_driver_sql(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %(name)s AND pg_table_is_visible(c.oid)",
            {"name": PARENT},
        ).scalar()
    )


def existing_years(conn) -> set[int]:
    return {
        int(n[len(PARENT) + 2 :]) for n in children(conn) if re.match(r"^hub_reports_y\d{4}$", n)
    }


def create_year(conn, year: int) -> bool:
    """Create the partition of ``year`` (moving any of its rows out of the default
    partition) in the caller's transaction. Returns False when it already existed."""
    if year in existing_years(conn):
        return False
    name = child_name(year)
    start, end = date(year, 1, 1).isoformat(), date(year + 1, 1, 1).isoformat()
    # Serialise with other processes creating partitions (and with ingest, briefly).
    conn.exec_driver_sql(f"LOCK TABLE {PARENT} IN SHARE ROW EXCLUSIVE MODE")
    if year in existing_years(conn):
        return False
    conn.exec_driver_sql(
        f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
        f"WITH ({AUTOVACUUM})"
    )
    has_default = conn.exec_driver_sql(
        "SELECT 1 FROM pg_class WHERE relname = %(n)s AND pg_table_is_visible(oid)",
        {"n": DEFAULT},
    ).scalar()
    if has_default:
        conn.exec_driver_sql(
            f"WITH moved AS (DELETE FROM {DEFAULT} WHERE date >= '{start}' AND date < '{end}' "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved"
        )
    conn.exec_driver_sql(
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')"
    )
    return True


def create_default(conn):
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {DEFAULT} PARTITION OF {PARENT} DEFAULT WITH ({AUTOVACUUM})"
    )


def children(conn) -> list[str]:
    """The names of hub_reports' partitions (yearly and default)."""
    return list(
        conn.exec_driver_sql(
            "SELECT c.relname FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = %(name)s AND pg_table_is_visible(p.oid) ORDER BY c.relname",
            {"name": PARENT},
        ).scalars()
    )


def ensure_years(engine, years) -> list[int]:
    """Make sure each of ``years`` has its partition (own transaction per year).
    Returns the years created. Does nothing on SQLite or an unpartitioned table."""
    if engine.dialect.name != "postgresql":
        return []
    key = engine.url.render_as_string(hide_password=True)
    known = _known.setdefault(key, set())
    wanted = sorted(set(years) - known)
    if not wanted:
        return []
    created = []
    with engine.connect() as conn:
        if not is_partitioned(conn):
            conn.rollback()
            known.update(wanted)
            return []
        have = existing_years(conn)
        conn.rollback()
        for year in wanted:
            if year not in have:
                with conn.begin():
                    if create_year(conn, year):
                        created.append(year)
            known.add(year)
    return created


def ensure_ahead(engine, today: date | None = None) -> list[int]:
    """This year's and next year's partitions (at init and when the hub starts)."""
    today = today or date.today()
    return ensure_years(engine, [today.year, today.year + 1])


def forget():
    """Forget the cached years (tests that drop and recreate the schema)."""
    _known.clear()


def describe(conn) -> list[dict]:
    """The partitions of hub_reports with their row estimates (for ``flask rollup
    partitions``)."""
    if not is_partitioned(conn):
        return []
    rows = conn.execute(
        sa.text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = :name AND pg_table_is_visible(p.oid) ORDER BY c.relname"
        ),
        {"name": PARENT},
    )
    return [{"name": r[0], "bounds": r[1], "rows_estimate": max(int(r[2]), 0)} for r in rows]
