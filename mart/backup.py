"""Backups of the branch database: taken while the shop sells, checked, restorable.

A backup is one file plus a checksum file beside it (``<name>.sha256``, in the format
of ``sha256sum``). The checksum file is written last, so a backup without one is an
unfinished or failed backup and is never offered for restore.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
  snapshot page by page while other connections keep writing; the copy is checked
  with ``PRAGMA integrity_check`` before its checksum is written.
- PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot of the database), restored with
  ``pg_restore --clean`` as one SQL script run by ``psql --single-transaction`` so a
  failing restore changes nothing.

A daily backup thread (``MART_START_WORKERS=1``) keeps ``MART_BACKUP_KEEP`` copies in
``MART_BACKUP_DIR`` (default ``<instance>/backups``), e.g. a USB disk.
"""

import contextlib
import fcntl
import functools
import glob
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from mart import workers
from mart.extensions import db

log = logging.getLogger(__name__)

SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".pgdump"
CHECKSUM_SUFFIX = ".sha256"
STALE_AFTER = timedelta(hours=26)
# The daily thread looks every CHECK_SECONDS whether a backup is due.
CHECK_SECONDS = 600


class BackupError(Exception):
    """A backup or restore could not be done; ``str()`` says why, for the operator."""


@dataclass
class BackupInfo:
    path: Path
    taken_at: datetime
    size: int

    def to_dict(self):
        return {
            "path": str(self.path),
            "taken_at": self.taken_at.isoformat(),
            "size": self.size,
            "age_hours": round((_now() - self.taken_at).total_seconds() / 3600, 1),
        }


def _now() -> datetime:
    return datetime.now(UTC)


# --- where -------------------------------------------------------------------------


def backup_dir(app=None) -> Path:
    app = app or current_app
    configured = app.config.get("MART_BACKUP_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "backups"


def _status_path(app) -> Path:
    return Path(app.instance_path) / "backup-status.json"


def _url(app=None):
    """The database URL of the app, as a SQLAlchemy URL object."""
    app = app or current_app
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def _kind(url) -> str:
    if url.get_backend_name() == "sqlite":
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        return "postgresql"
    raise BackupError(f"backups are not supported for {url.get_backend_name()} databases")


def _sqlite_file(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_tool(name: str) -> str:
    """The newest ``pg_dump``/``pg_restore`` on the machine (Debian keeps them per version)."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")


def _pg_args_env(url):
    """libpq connection arguments; the password goes in the environment, not argv."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    args += ["--dbname", url.database]
    return args, env


# --- checksums ---------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_path(path: Path) -> Path:
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def verify(path) -> None:
    """Raise ``BackupError`` unless ``path`` exists and matches its checksum file."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    sums = checksum_path(path)
    if not sums.is_file():
        raise BackupError(f"checksum file missing: {sums} (an unfinished or foreign backup?)")
    try:
        expected = sums.read_text().split()[0].strip().lower()
    except (IndexError, OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"checksum file unreadable: {sums}") from exc
    actual = sha256_of(path)
    if actual != expected:
        raise BackupError(
            f"checksum mismatch for {path.name}: the file is damaged "
            f"(expected {expected[:12]}..., found {actual[:12]}...); nothing was restored"
        )


# --- backup ------------------------------------------------------------------------


def take_backup(to=None, app=None) -> Path:
    """Write a consistent backup of the app's database into ``to`` (or the backup folder).

    Returns the backup file's path. Raises ``BackupError``. Old copies beyond
    ``MART_BACKUP_KEEP`` are removed afterwards (only in that folder, only our files).
    """
    app = app or current_app._get_current_object()
    url = _url(app)
    kind = _kind(url)
    folder = Path(to) if to else backup_dir(app)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot use backup folder {folder}: {exc}") from exc
    stamp = _now().strftime("%Y%m%dT%H%M%S%fZ")
    branch = "".join(c for c in str(app.config.get("MART_BRANCH_CODE", "mart")) if c.isalnum())
    suffix = SQLITE_SUFFIX if kind == "sqlite" else PG_SUFFIX
    final = folder / f"mart-{branch or 'mart'}-{stamp}{suffix}"
    partial = final.with_name(final.name + ".part")
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_file(url), partial)
        else:
            _pg_dump(url, partial)
        os.replace(partial, final)
        _write_checksum(final)
    except BackupError as exc:
        _cleanup(partial, final)
        _record(app, ok=False, error=str(exc))
        raise
    except OSError as exc:
        _cleanup(partial, final)
        _record(app, ok=False, error=str(exc))
        raise BackupError(f"backup failed: {exc}") from exc
    _record(app, ok=True, path=str(final))
    log.info("backup written: %s", final)
    if not to or Path(to) == backup_dir(app):
        prune(folder, int(app.config.get("MART_BACKUP_KEEP") or 0))
    return final


def _cleanup(*paths):
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _write_checksum(path: Path) -> None:
    sums = checksum_path(path)
    tmp = sums.with_name(sums.name + ".part")
    tmp.write_text(f"{sha256_of(path)}  {path.name}\n")
    os.replace(tmp, sums)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"database file not found: {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # pages=-1: one step, holding a read snapshot; writers in WAL mode go on.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
        result = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the copy failed its integrity check: {result}")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        dst.close()
        src.close()


def _pg_dump(url, target: Path) -> None:
    args, env = _pg_args_env(url)
    cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete our backups in ``folder`` beyond the newest ``keep`` (0 keeps all)."""
    if keep <= 0:
        return []
    backups = list_backups(folder)
    removed = []
    for info in backups[keep:]:
        _cleanup(info.path, checksum_path(info.path))
        removed.append(info.path)
    return removed


def list_backups(folder: Path) -> list[BackupInfo]:
    """Finished backups (with a checksum file) in ``folder``, newest first."""
    found = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        if not path.name.startswith("mart-") or path.suffix not in (SQLITE_SUFFIX, PG_SUFFIX):
            continue
        if not checksum_path(path).is_file():
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append(BackupInfo(path, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size))
    found.sort(key=lambda info: (info.taken_at, info.path.name), reverse=True)
    return found


def _record(app, ok, path=None, error=None):
    """Remember the last attempt, so the pages can show a failure too."""
    status = _read_status(app)
    now = _now().isoformat()
    if ok:
        status.update(last_ok_at=now, last_ok_path=path, last_error=None, last_error_at=None)
    else:
        status.update(last_error=error, last_error_at=now)
    target = _status_path(app)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".backup-status")
        with os.fdopen(fd, "w") as fh:
            json.dump(status, fh)
        os.replace(tmp, target)
    except OSError:  # pragma: no cover - the status is a convenience
        log.warning("could not write %s", target)


def _read_status(app) -> dict:
    try:
        return json.loads(_status_path(app).read_text())
    except (OSError, ValueError):
        return {}


def status(app=None) -> dict:
    """The last good backup and whether it is too old, for the health check and the pages.

    ``{"last": {...} | None, "stale": bool, "folder": str, "last_error": str | None}``.
    """
    app = app or current_app._get_current_object()
    folder = backup_dir(app)
    backups = list_backups(folder)
    last = backups[0] if backups else None
    recorded = _read_status(app)
    error = recorded.get("last_error")
    if error and last and recorded.get("last_error_at", "") < last.taken_at.isoformat():
        error = None
    return {
        "last": last.to_dict() if last else None,
        "stale": last is None or _now() - last.taken_at > STALE_AFTER,
        "folder": str(folder),
        "copies": len(backups),
        "last_error": error,
    }


# --- restore -----------------------------------------------------------------------


def restore(path, app=None) -> None:
    """Put the backup at ``path`` back as the app's database, after checking it.

    Raises ``BackupError`` (and changes nothing) when the checksum does not match, the
    file is not a backup of this kind of database, or the restore fails.
    """
    app = app or current_app._get_current_object()
    path = Path(path)
    verify(path)
    url = _url(app)
    kind = _kind(url)
    if kind == "sqlite":
        if path.suffix != SQLITE_SUFFIX:
            raise BackupError(f"{path.name} is not a SQLite backup; this branch uses SQLite")
        _sqlite_restore(path, _sqlite_file(url))
    else:
        if path.suffix != PG_SUFFIX:
            raise BackupError(
                f"{path.name} is not a PostgreSQL backup; this branch uses PostgreSQL"
            )
        _pg_restore(path, url)
    with app.app_context():
        db.engine.dispose()
    log.info("backup restored: %s", path)


def _sqlite_restore(backup: Path, live: Path) -> None:
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        result = src.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the backup failed its integrity check: {result}")
        live.parent.mkdir(parents=True, exist_ok=True)
        dst = sqlite3.connect(live, timeout=30)
        try:
            # The backup API replaces the live database in one write transaction:
            # other connections see either the old or the restored database.
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup.name} is not a readable SQLite database: {exc}") from exc
    finally:
        src.close()


def _pg_restore(backup: Path, url) -> None:
    tool = _pg_tool("pg_restore")
    listed = subprocess.run([tool, "--list", str(backup)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"{backup.name} is not a pg_dump archive: {listed.stderr.strip()}")
    args, env = _pg_args_env(url)
    # Other sessions (the running app) would hold locks that block DROP: end them first.
    _pg_terminate_others(url)
    # The archive as one SQL script that first drops what it will create. A partition's
    # constraints and indexes belong to its parent's (the hub's yearly report partitions):
    # they cannot be dropped alone, and go with their table, so their drops are left out.
    script = subprocess.run(
        [tool, "--clean", "--if-exists", "--no-owner", "--file", "-", str(backup)],
        env=env,
        capture_output=True,
        text=True,
    )
    if script.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing changed): {script.stderr.strip()[-500:]}")
    inherited = _partition_parts(url)
    sql = "".join(
        line
        for line in script.stdout.splitlines(keepends=True)
        if not _drops_inherited(line, inherited)
    )
    cmd = [_pg_tool("psql"), "--single-transaction", "--set", "ON_ERROR_STOP=1", "--quiet", *args]
    done = subprocess.run(cmd, input=sql, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing changed): {done.stderr.strip()[-500:]}")


def _partition_parts(url) -> tuple[set[str], set[str]]:
    """The partitions of the live database, and their indexes: ``(tables, indexes)``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(
                conn.execute(
                    sa.text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        " WHERE c.relkind = 'r'"
                    )
                ).scalars()
            )
            indexes = set(
                conn.execute(
                    sa.text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        " WHERE c.relkind = 'i'"
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    return tables, indexes


def _drops_inherited(line: str, inherited: tuple[set[str], set[str]]) -> bool:
    """A ``--clean`` drop of a partition's constraint or index (not droppable alone)."""
    tables, indexes = inherited
    words = line.split()
    if line.startswith("ALTER TABLE") and "DROP CONSTRAINT" in line:
        return any(w.rsplit(".", 1)[-1] in tables for w in words)
    if line.startswith("DROP INDEX"):
        return words[-1].rstrip(";").rsplit(".", 1)[-1] in indexes
    return False


def _pg_terminate_others(url):
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        engine.dispose()


# --- the daily thread --------------------------------------------------------------


def due(app) -> bool:
    hours = int(app.config.get("MART_BACKUP_EVERY_HOURS") or 24)
    backups = list_backups(backup_dir(app))
    return not backups or _now() - backups[0].taken_at >= timedelta(hours=hours)


def backup_if_due(app) -> Path | None:
    """Take a backup when the newest is older than the interval. Several processes
    (gunicorn workers) may call this: a lock file makes only one of them do it."""
    lock_path = Path(app.instance_path) / "backup.lock"
    with open(lock_path, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        try:
            if not due(app):
                return None
            with app.app_context():
                return take_backup(app=app)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _pass(app) -> None:
    try:
        backup_if_due(app)
    except BackupError as exc:
        log.error("automatic backup failed: %s", exc)
    except Exception:  # keep the thread alive whatever happens
        log.exception("automatic backup crashed")


def start_worker(app) -> threading.Thread | None:
    if not app.config["MART_BACKUP_AUTO"]:
        return None
    thread = workers.start_thread(
        "mart-backup", workers.run_every(CHECK_SECONDS, functools.partial(_pass, app))
    )
    app.extensions["mart_backup_thread"] = thread
    return thread


def init_app(app):
    app.extensions.setdefault("mart_workers", []).append(start_worker)


# Exposed for tests that want to wait for the worker without sleeping blindly.
def wait_for_backup(folder: Path, timeout: float = 30.0) -> BackupInfo | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = list_backups(folder)
        if found:
            return found[0]
        time.sleep(0.05)
    return None
