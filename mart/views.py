"""Core pages: login, logout, home by role, the back office, API docs, health."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from mart import audit, auth, backup, nav
from mart.auth import roles_required
from mart.errors import DomainError
from mart.extensions import db
from mart.forms import LOGIN_LABELS, LoginIn, PageForm

bp = Blueprint("mart", __name__)


def _safe_next(target):
    """A path on this site to go to after logging in, else None. Browsers drop tabs and
    line breaks inside URLs and read a backslash as a slash (``/%09/evil`` would become
    ``//evil``, another site): any control character, space or backslash refuses it."""
    if not target or not target.startswith("/") or len(target) > 2000:
        return None
    if any(ch <= " " or ch in "\\\x7f" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target.rstrip("?")


@bp.route("/")
def index():
    if current_user.is_authenticated:
        endpoint = nav.home_endpoint(current_user)
        if endpoint != "mart.index":
            return redirect(url_for(endpoint))
        return render_template("mart/index.html")
    return redirect(url_for("mart.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = PageForm(LoginIn())
    status = 200
    if request.method == "POST" and form.read():
        try:
            user = auth.authenticate(
                form.data["username"], form.data["password"], auth.client_address()
            )
        except DomainError as error:
            db.session.commit()  # keep the failed attempt for throttling
            flash(error.message, "error")
            status = error.status
        else:
            db.session.commit()
            session.permanent = True  # expires after MART_SESSION_IDLE_HOURS idle
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("mart.index"))
    elif request.method == "POST":  # a wrong CSRF token never gets here (400)
        status = 422
        flash(_("Fill in your user name and password."), "error")
    return render_template("mart/login.html", form=form, labels=LOGIN_LABELS), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here and on the server: any copy of the cookie stops working
    (the user's session version is raised, so their other sessions end too)."""
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        auth.end_sessions(user)
        audit.record("auth.logout", user, user=user)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("mart.login"))


@bp.route("/backoffice")
@roles_required("manager")
def backoffice():
    return render_template("mart/backoffice.html", backup=backup.status())


@bp.route("/api/v1/docs")
def api_docs():
    return render_template("mart/api_docs.html")


@bp.route("/healthz")
def healthz():
    checks = {"database": "ok"}
    status = 200
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as exc:  # report, never raise: this is the health check
        current_app.logger.warning("health check: database unreachable: %s", exc)
        checks["database"] = "unreachable"
        status = 503
    for name, probe in current_app.extensions.get("mart_health", {}).items():
        try:
            checks[name] = _plain(probe())
        except Exception as exc:
            current_app.logger.warning("health probe %s failed: %s", name, exc)
            checks[name] = {"error": str(exc)}
    checks["backup"] = _backup_health()
    checks["status"] = "ok" if status == 200 else "fail"
    return jsonify(checks), status


def _backup_health():
    try:
        state = backup.status()
    except Exception as exc:  # e.g. the USB disk is gone
        return {"error": str(exc)}
    last = state["last"]
    return {
        "last_at": last["taken_at"] if last else None,
        "age_hours": last["age_hours"] if last else None,
        "stale": state["stale"],
        "copies": state["copies"],
        "last_error": state["last_error"],
    }


def _plain(value):
    """What a probe returns, made into plain JSON (dates as ISO text, decimals as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
