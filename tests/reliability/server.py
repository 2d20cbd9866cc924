"""A real gunicorn server on a real socket, as a child process we can SIGKILL.

Used by the crash tests and by bench/load_test.py.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_bin() -> str:
    candidate = Path(sys.executable).with_name("gunicorn")
    return str(candidate) if candidate.exists() else "gunicorn"


class Server:
    """``Server(database_url, instance_path).start()``; ``kill()`` is SIGKILL to the
    whole process group (master and workers), as a power cut would."""

    def __init__(
        self, database_url, instance_path, *, workers=2, threads=4, log_path=None, env=None
    ):
        self.database_url = database_url
        self.instance_path = str(instance_path)
        self.workers = workers
        self.threads = threads
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path or Path(self.instance_path) / f"gunicorn-{self.port}.log")
        self.extra_env = env or {}
        self.proc = None

    def start(self, wait=60.0):
        env = dict(
            os.environ,
            MART_DATABASE_URL=self.database_url,
            MART_INSTANCE_PATH=self.instance_path,
            MART_SECRET_KEY="crash-test-secret-of-the-reliability-server",
            MART_START_WORKERS="0",
            MART_LOGIN_MAX_FAILURES="1000",
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)  # may override the defaults above (MART_START_WORKERS)
        env.pop("MART_TEST_DATABASE_URL", None)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in kill()/stop()
        self.proc = subprocess.Popen(
            [
                gunicorn_bin(),
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}\n{self.log_tail()}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer in {wait}s: {self.log_tail()}")

    def kill(self):
        """SIGKILL the master and every worker at once: no cleanup, no graceful exit."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self._log.close()

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
            return
        self.proc = None
        self._log.close()

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def token(self, username, password):
        answer = requests.post(
            f"{self.base}/api/v1/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["token"]


class Api:
    """requests against the server with a bearer token; one Session per thread."""

    def __init__(self, server, token):
        self.server = server
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method, path, json=None, timeout=30):
        return self.session.request(
            method, f"{self.server.base}/api/v1{path}", json=json, timeout=timeout
        )

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self("POST", path, json=json, **kw)

    def close(self):
        self.session.close()
