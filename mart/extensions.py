"""Extensions, created unbound; ``create_app`` binds them."""

import threading

import flask_smorest
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from mart.db import Base


class Api(flask_smorest.Api):
    """flask-smorest's ``Api``, with the OpenAPI document of each blueprint written when
    the document is first read (``/api/v1/openapi.json``, ``flask openapi``), not while
    the app is made: that took half of ``create_app`` (some 0.1 s of CPU), paid by every
    app a test makes and by every worker that starts, for a page few ask for.

    The routes are registered at once, as before; the document comes out the same, in
    the same order (the blueprints' paths and tags are added in registration order).
    As before, the document belongs to the app last bound (``init_app``)."""

    def __init__(self, *args, **kwargs):
        self._lock = threading.RLock()
        self._pending = []
        self._writer = None
        self._spec = None
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        # Other threads wait for the whole document; the writing thread itself (whose
        # flask-smorest callbacks may read it) gets it as it stands.
        if self._pending and self._writer != threading.get_ident():
            with self._lock:
                self._writer = threading.get_ident()
                try:
                    while self._pending:
                        blp, app, name, parameters = self._pending[0]
                        blp.register_views_in_doc(
                            self, app, self._spec, name=name, parameters=parameters
                        )
                        self._spec.tag({"name": name, "description": blp.description})
                        self._pending.pop(0)
                finally:
                    self._writer = None
        return self._spec

    @spec.setter
    def spec(self, value):
        with self._lock:
            self._spec = value
            self._pending = []  # a new app: the last one's document goes with its spec

    def register_blueprint(self, blp, *, parameters=None, **options):
        """As ``flask_smorest.Api.register_blueprint``, the document deferred."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        with self._lock:
            self._pending.append((blp, self._app, name, parameters))


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
api = Api()
