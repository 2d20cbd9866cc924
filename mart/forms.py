"""Page forms, one way for every page: a POST is loaded through a marshmallow schema, as
the API's bodies are.

``PageForm`` keeps what was typed (``values``, shown again by the template), each
field's messages (``errors``, shown beside the field) and, once valid, ``data``. CSRF
is mart.security's: every POST of a browser session is checked (the global
CSRFProtect) before the view runs; a form carries ``{{ csrf_token() }}`` in a hidden
``csrf_token`` field.
"""

from flask import request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from mart.errors import MESSAGES


class PageForm:
    def __init__(self, schema: Schema, values: dict | None = None):
        self.schema = schema
        self.values = dict(values or {})
        self.errors: dict[str, list[str]] = {}
        self.data: dict = {}

    def read(self) -> bool:
        """Load ``request.form``; True when valid. A blank field counts as not given (its
        ``load_default``); an unticked box is not sent, so a Boolean is whether it was."""
        raw = {}
        for name, field in self.schema.fields.items():
            value = request.form.get(name, "")
            if isinstance(field, fields.Boolean):
                value = value not in ("", "false")
                raw[name] = value
            elif value.strip():
                raw[name] = value
            self.values[name] = value
        try:
            self.data = self.schema.load(raw)
        except ValidationError as error:
            for name, messages in error.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(name, MESSAGES.get(message, message))
            return False
        return True

    def add_error(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(max=64))
    password = fields.String(required=True, validate=validate.Length(max=200))


# The login page's labels (msgids of mart's catalogue).
LOGIN_LABELS = {"username": _l("User name"), "password": _l("Password")}
