"""OK OCE Mart: the application factory."""

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_babel import get_locale

import config as config_module
from mart import auth_api, cli, errors, limits, locale, nav, security, views, workers
from mart.db import (
    begin_immediate_on_sqlite,
    json_column_text,
    pg_session_options,
    ping_when_idle,
)
from mart.extensions import api, babel, csrf, db, login_manager, migrate
from mart.logs import configure
from mart.money import format_number, format_rupiah

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the app. ``config`` is a config class, a dict, or None (``config.Config``);
    it overrides the settings read from the environment now (``config.settings()``)."""
    settings = config_module.settings()
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=_instance_path(config, settings),
    )
    _load_config(app, settings, config)
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_commands(app)
    _start_workers(app)
    return app


def _instance_path(config, settings):
    if isinstance(config, dict) and config.get("MART_INSTANCE_PATH"):
        return config["MART_INSTANCE_PATH"]
    return settings["MART_INSTANCE_PATH"] or str(PACKAGE_ROOT / "instance")


def _load_config(app, settings, config):
    app.config.update(settings)
    app.config.from_object(config_module.Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    config_module.check(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    _check_secret_key(app.config)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=app.config["MART_SESSION_IDLE_HOURS"]
    )
    # The session cookie is sent when the session changes, and to move the idle expiry
    # on at most every few minutes (mart.security.keep_session_alive), not with every
    # answer: a page's background fetch answered with the session it was sent with, and
    # overwrote what a form's answer had just put there (a flash, a CSRF token).
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'mart.sqlite3'}"
        )
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("json_serializer", json_column_text)
    if uri.startswith("sqlite"):
        engine_options.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    else:
        # pinged when idle (mart.db.ping_when_idle), unless the settings choose
        # pool_pre_ping (a ping at every checkout)
        engine_options.setdefault("pool_pre_ping", False)
        connect_args = dict(engine_options.get("connect_args") or {})
        # Ours first: options given in the settings come after, and so win.
        given = connect_args.get("options")
        connect_args["options"] = " ".join(filter(None, (pg_session_options(app.config), given)))
        engine_options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(PACKAGE_ROOT / pkg / "translations")
        for pkg in ("mart", "books", "inventory", "members", "printers", "pos", "rollup")
    )


# Values seen in examples and tutorials: a key like these is known to everyone.
PLACEHOLDER_SECRETS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "dev",
        "development",
        "secret",
        "secret-key",
        "secret_key",
        "test",
        "testing",
        "your-secret-key",
        "replace-me",
        "xxx",
        "none",
    }
)
SECRET_KEY_MIN_LENGTH = 32
# Empty for this one command, so the refused key does not stop the command that replaces it.
_MAKE_KEY = "`MART_SECRET_KEY= flask --app wsgi mart secret-key`"


class InsecureConfig(RuntimeError):
    """The configuration would run the branch with a known or guessable secret."""


def _check_secret_key(config) -> None:
    """Refuse a placeholder or short ``MART_SECRET_KEY`` outside tests and debug runs.

    The key signs the session cookies and derives the key that encrypts the branch keys:
    anyone knowing it can forge a manager's login. Unset, a random key is made once and
    kept in the instance folder (``make run``); tests and ``DEBUG`` may use a short one.
    """
    if config.get("TESTING") or config.get("DEBUG"):
        return
    key = str(config.get("SECRET_KEY") or "")
    plain = key.strip().lower()
    if plain in PLACEHOLDER_SECRETS or "changeme" in plain.replace("-", "").replace("_", ""):
        raise InsecureConfig(
            "MART_SECRET_KEY is a placeholder; make one with "
            f"{_MAKE_KEY} (or leave it unset to use a random key kept in the instance folder)"
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise InsecureConfig(
            f"MART_SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH} characters; make one "
            f"with {_MAKE_KEY}"
        )


def _instance_secret(path: Path) -> str:
    """A random key made once and kept (mode 600), so logins survive restarts. Made with
    ``O_EXCL``: workers starting together all end up with the first one's key."""
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it
            kept = path.read_text().strip()
            if kept:
                return kept
            time.sleep(0.02)
        raise
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _configure_logging(app):
    configure(app)


def _init_extensions(app):
    db.init_app(app)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    with app.app_context():
        engine = db.engine
        begin_immediate_on_sqlite(engine)
        if engine.dialect.name == "postgresql":
            from mart import pgconn  # noqa: PLC0415 (psycopg: PostgreSQL only)

            pgconn.install(engine)  # its connection and cursor (mart/pgconn.py)
            if not options.get("pool_pre_ping"):
                ping_when_idle(engine, app.config["MART_DB_PING_IDLE_SECONDS"])
    migrate.init_app(
        app, db, directory=str(PACKAGE_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    login_manager.login_view = "mart.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale.select_locale)
    api.init_app(app)

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["rupiah"] = format_rupiah
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["qty"] = locale.format_quantity
    app.jinja_env.filters["date_id"] = locale.format_date
    app.jinja_env.filters["datetime_id"] = locale.format_datetime
    app.jinja_env.filters["month_id"] = locale.format_month
    app.context_processor(nav.context)

    security.init_app(app)

    limits.init_app(app)


def _register_blueprints(app):
    # The one import cycle kept: every domain package imports mart's modules, and
    # importing any of them runs this file first; so the composition root imports the
    # domains when it builds an app, not when it is imported.
    import books  # noqa: PLC0415
    import inventory  # noqa: PLC0415
    import members  # noqa: PLC0415
    import pos  # noqa: PLC0415
    import printers  # noqa: PLC0415
    import rollup  # noqa: PLC0415
    from books import reporting  # noqa: PLC0415

    app.register_blueprint(views.bp)
    api.register_blueprint(auth_api.blp, url_prefix="/api/v1/auth")
    # Each domain registers its pages, API blueprints, nav entries and demo seeder.
    for package in (books, printers, inventory, members, pos, rollup):
        package.init_app(app)

    reporting.init_app(app)  # the books' reports and year end (after members: RAT pack)


def _register_error_handlers(app):
    # After api.init_app, so these replace flask-smorest's handler: pages get HTML.
    errors.init_app(app)


def _register_commands(app):
    cli.init_app(app)


def _start_workers(app):
    if not app.config.get("MART_START_WORKERS") or app.config.get("MART_WORKERS_ELSEWHERE"):
        return  # off, or in their own process (mart/workers_process.py)

    # One process of the server runs them (a lock file), see mart/workers.py.
    workers.start(app)


def stop_workers(app, timeout: float = 10.0) -> None:
    """Stop the app's background threads (each carries a ``stop`` event) and wait for
    them: used when an app is thrown away inside a running process (the tests)."""
    workers.stop(app, timeout)
