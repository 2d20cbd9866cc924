"""Language choice: Bahasa Indonesia by default, English selectable."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale():
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        return lang
    if session.get("lang") in current_app.config["LANGUAGES"]:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]
