"""Run a command against a fresh PostgreSQL database, then drop it.

Usage: python tests/pg_run.py CMD...  The database URL goes to the command as
MART_TEST_DATABASE_URL. With no reachable server the run is skipped with a message,
unless MART_REQUIRE_POSTGRES=1 (CI), where that is a failure.
"""

import os
import secrets
import subprocess
import sys

import psycopg

ADMIN_URL = os.environ.get(
    "MART_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def main(argv):
    required = os.environ.get("MART_REQUIRE_POSTGRES") == "1"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL not reachable at {ADMIN_URL}: {exc}".strip()
        if required:
            print(f"FAIL: {message} (required: MART_REQUIRE_POSTGRES=1)", file=sys.stderr)
            return 1
        print(f"SKIPPED the PostgreSQL run: {message}")
        return 0
    name = f"mart_test_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    # A throwaway database: a commit need not wait for its WAL to reach the disk (what a
    # server crash would lose, no test looks at). Every test commits many times.
    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    base = ADMIN_URL.rsplit("/", 1)[0]
    env = dict(os.environ, MART_TEST_DATABASE_URL=f"{base}/{name}")
    print(f"== PostgreSQL run on database {name}")
    try:
        return subprocess.call(argv, env=env)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
