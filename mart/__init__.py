"""OK OCE Mart: the application factory."""

import os
import secrets
from pathlib import Path

from flask import Flask

from mart.extensions import api, babel, csrf, db, login_manager, migrate

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the app. ``config`` is a config class, a dict, or None (``config.Config``)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=_instance_path(config))
    _load_config(app, config)
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_commands(app)
    _start_workers(app)
    return app


def _instance_path(config):
    if isinstance(config, dict) and config.get("MART_INSTANCE_PATH"):
        return config["MART_INSTANCE_PATH"]
    return os.environ.get("MART_INSTANCE_PATH") or str(PACKAGE_ROOT / "instance")


def _load_config(app, config):
    from config import Config

    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'mart.sqlite3'}"
        )
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        engine_options.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    else:
        engine_options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(
        str(PACKAGE_ROOT / pkg / "translations")
        for pkg in ("mart", "inventory", "members", "printers", "pos", "mart/rollup")
    )


def _instance_secret(path: Path) -> str:
    """A random key made once and kept, so logins survive restarts."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _configure_logging(app):
    from mart.logs import configure

    configure(app)


def _init_extensions(app):
    from mart import locale, nav
    from mart.money import format_number, format_rupiah

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PACKAGE_ROOT / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    login_manager.login_view = "mart.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale.select_locale)
    api.init_app(app)
    from flask_babel import get_locale

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["rupiah"] = format_rupiah
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["qty"] = locale.format_quantity
    app.jinja_env.filters["date_id"] = locale.format_date
    app.jinja_env.filters["datetime_id"] = locale.format_datetime
    app.context_processor(nav.context)

    from mart import security

    security.init_app(app)


def _register_blueprints(app):
    import inventory
    import members
    import pos
    import printers
    from mart import auth_api, rollup, views

    app.register_blueprint(views.bp)
    api.register_blueprint(auth_api.blp, url_prefix="/api/v1/auth")
    # Each domain registers its pages, API blueprints, nav entries and demo seeder.
    for package in (printers, inventory, members, pos, rollup):
        package.init_app(app)


def _register_error_handlers(app):
    from mart import errors

    # After api.init_app, so these replace flask-smorest's handler: pages get HTML.
    errors.init_app(app)


def _register_commands(app):
    from mart import cli

    cli.init_app(app)


def _start_workers(app):
    if not app.config.get("MART_START_WORKERS"):
        return
    started = app.extensions.setdefault("mart_threads", [])
    for start in app.extensions.get("mart_workers", []):
        thread = start(app)
        if thread is not None:
            started.append(thread)


def stop_workers(app, timeout: float = 10.0) -> None:
    """Stop the app's background threads (each carries a ``stop`` event) and wait for
    them: used when an app is thrown away inside a running process (the tests)."""
    threads = app.extensions.get("mart_threads", [])
    for thread in threads:
        thread.stop.set()
    for thread in threads:
        thread.join(timeout)
    threads.clear()
