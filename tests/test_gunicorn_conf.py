"""How many serving processes ``deploy/gunicorn.conf.py`` starts: one on SQLite (one
writer at a time); on PostgreSQL one per CPU core for a branch (pos/README.md,
"Processes, 4 December": as fast as two per core on the free machine, 13% faster with
half its CPU) and two per core for the association hub (as its figures were
measured); and what ``MART_WORKERS``/``MART_THREADS`` say over all."""

import os
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
PG = "postgresql://mart@127.0.0.1/mart"


def _conf(monkeypatch, **env):
    for name in ("MART_DATABASE_URL", "MART_MODE", "MART_WORKERS", "MART_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    conf = runpy.run_path(str(CONF))
    return conf["workers"], conf["threads"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, (1, 8)),
        ({"MART_DATABASE_URL": "sqlite:////srv/mart/mart.sqlite3"}, (1, 8)),
        ({"MART_DATABASE_URL": PG}, (6, 8)),
        ({"MART_DATABASE_URL": PG, "MART_MODE": "branch"}, (6, 8)),
        ({"MART_DATABASE_URL": PG, "MART_MODE": "association"}, (12, 8)),
        ({"MART_DATABASE_URL": PG, "MART_WORKERS": "3", "MART_THREADS": "4"}, (3, 4)),
        ({"MART_DATABASE_URL": PG, "MART_WORKERS": "", "MART_THREADS": ""}, (6, 8)),
    ],
)
def test_serving_processes(monkeypatch, env, expected):
    assert _conf(monkeypatch, **env) == expected
