"""A scratch PostgreSQL database for a benchmark: created on the server the tests use
(``MART_TEST_POSTGRES_URL``), dropped afterwards, or a SKIPPED line when the server is
not reachable.

    with scratch_database("mart_bench_books") as url:
        if url:
            bench("PostgreSQL", url)
"""

import contextlib
import os
import secrets

import psycopg

ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextlib.contextmanager
def scratch_database(prefix: str):
    """Yield the URL of a new database ``{prefix}_{random}`` (None, after printing why,
    when PostgreSQL cannot be reached); drop it on the way out."""
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"SKIPPED PostgreSQL: not reachable at {ADMIN_URL}: {exc}")
        yield None
        return
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
