"""Domain errors and the one JSON error shape of the whole API.

Services raise a ``DomainError`` subclass; the handlers roll the transaction back and
answer ``{"message": ..., "errors": {...}}`` with the error's status. Pages get an
HTML error page instead.
"""

import logging

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from mart.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """``extra``: more keys for the JSON body, beside ``message`` (e.g. ``locked``)."""

    status = 400

    def __init__(self, message, errors=None, extra=None):
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.extra = extra


class InvalidInput(DomainError):
    """422: the input is wrong. ``field`` names it, as validation errors do."""

    status = 422

    def __init__(self, message, field=None, location="json"):
        errors = {location: {field: [message]}} if field else None
        super().__init__(message, errors)


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """409: the request conflicts with the current state."""

    status = 409


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


class TooManyRequests(DomainError):
    status = 429


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def error_response(status, message, errors=None, extra=None):
    if wants_json():
        body = {**(extra or {}), "code": status, "message": message}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return render_template("mart/error.html", status=status, message=message), status


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # pragma: no cover - the connection may already be gone
        log.exception("rollback failed")


def handle_domain_error(error: DomainError):
    _rollback()
    return error_response(error.status, error.message, error.errors, error.extra)


def handle_http_exception(error: HTTPException):
    _rollback()
    status = error.code or 500
    message = error.description or error.name
    errors = None
    data = getattr(error, "data", None)  # webargs/flask-smorest validation details
    if data and "messages" in data:
        errors = data["messages"]
        message = _("Invalid input: %(fields)s", fields=_field_names(errors))
    elif status == 404:
        message = _("Not found.")
    elif status == 405:
        message = _("Method not allowed.")
    response = error_response(status, message, errors)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response[0].headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_validation_error(error: ValidationError):
    _rollback()
    errors = {"json": error.messages}
    return error_response(422, _("Invalid input: %(fields)s", fields=_field_names(errors)), errors)


def handle_integrity_error(error: IntegrityError):
    _rollback()
    log.warning("integrity error: %s", error.orig)
    return error_response(409, _("This conflicts with existing data."))


def handle_out_of_range(error: Exception):
    """A number too big for its column (SQLite OverflowError, PostgreSQL DataError): the
    input's fault, so 422 and nothing saved, instead of a 500."""
    _rollback()
    log.warning("value out of range on %s %s: %s", request.method, request.path, error)
    message = _("A value is out of range.")
    return error_response(422, message, {"json": {"_schema": [message]}})


def handle_operational_error(error: OperationalError):
    """A busy database (SQLite's single writer past its busy timeout, a PostgreSQL
    lock or serialization timeout) is 503 with Retry-After: nothing was saved, and
    a client that retries with the same id (a sale) gets it saved once."""
    _rollback()
    text = str(error.orig).lower()
    if "locked" in text or "busy" in text or "timeout" in text or "could not serialize" in text:
        log.warning("database busy on %s %s: %s", request.method, request.path, error.orig)
        response = error_response(503, _("The database is busy. Nothing was saved; try again."))
        response[0].headers["Retry-After"] = "1"
        return response
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    _rollback()
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, _("Internal error. The change was not saved."))


# The names a user reads for the fields the API's errors name (the API keeps its keys).
FIELD_LABELS = {
    "quantity": _l("quantity"),
    "unit_cost": _l("unit cost"),
    "product_id": _l("product"),
    "expiry_date": _l("expiry date"),
    "batch": _l("batch"),
    "supplier_id": _l("supplier"),
    "price": _l("price"),
    "amount": _l("amount"),
    "discount": _l("discount"),
    "barcode": _l("barcode"),
    "name": _l("name"),
    "reference": _l("reference"),
}
# marshmallow's own messages, so they read in the user's language too.
MESSAGES = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid date.": _l("Not a valid date."),
    "Must be greater than 0.": _l("Must be greater than 0."),
    "Must be 0 or more.": _l("Must be 0 or more."),
    "At most 3 decimal places.": _l("At most 3 decimal places."),
    "Unknown field.": _l("Unknown field."),
}


def _field_names(errors) -> str:
    """What is wrong, for a person: ``Baris 2, jumlah: Harus lebih dari 0.`` for an
    error under ``lines[1].quantity`` (list positions counted from 1), several joined
    with ``;``. The ``errors`` member of the answer keeps the API's own keys."""
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, [*path, key])
        elif isinstance(node, list) and node and all(isinstance(m, str) for m in node):
            found.append((path, node))

    for location in errors.values():
        walk(location, [])
    parts = []
    for path, messages in found[:5]:
        names = []
        for i, key in enumerate(path):
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                names.append(_("line %(n)s", n=int(key) + 1))
            elif key == "_schema":
                continue
            elif i + 1 < len(path) and (isinstance(path[i + 1], int) or str(path[i + 1]).isdigit()):
                continue  # "lines" before its position: "line 2" says it
            else:
                names.append(str(FIELD_LABELS.get(key, key)))
        text = " ".join(str(MESSAGES.get(m, m)) for m in messages)
        where = ", ".join(names)
        parts.append(f"{where[:1].upper()}{where[1:]}: {text}" if where else text)
    return "; ".join(parts) or "body"


def init_app(app):
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ValidationError, handle_validation_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_operational_error)
    app.register_error_handler(OverflowError, handle_out_of_range)
    app.register_error_handler(DataError, handle_out_of_range)
    app.register_error_handler(Exception, handle_unexpected)
