"""Language choice: Bahasa Indonesia by default, English selectable."""

import functools
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from mart import clock


def select_locale():
    """The request's language: ``?lang=`` (kept in the session), the session's, the
    user's, else the default. Answered as a ``babel.Locale`` made once per language:
    Flask-Babel parses a text again for every request (``Locale.parse``), and takes a
    ``Locale`` as it is."""
    return _locale(_language())


def _language():
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


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def translator():
    """``gettext`` bound to the translations of this request's locale, looked up once:
    the same text as ``flask_babel.gettext`` (``%(name)s`` variables too) without its
    look-up of the domain, locale and translations on every call. For code that says
    many texts at once (a receipt); the locale must not change while it is used."""
    translations = get_translations()

    def gettext(string, **variables):
        text = translations.ugettext(string)
        return text % variables if variables else text

    return gettext


# --- how numbers and dates read (one home for every package's pages) ---------------

_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def format_quantity(value, unit: str | None = None) -> str:
    """A quantity as Indonesians read it: ``10``, ``1.500``, ``1,25 kg``: thousands with
    dots, a decimal comma, trailing zeros of the decimals dropped (never those of the
    whole number), and the unit only for weighed goods (pieces carry none)."""
    if value is None or value == "":
        return ""
    qty = Decimal(str(value))
    sign = "-" if qty < 0 else ""
    whole, _sep, frac = f"{abs(qty):.3f}".partition(".")
    frac = frac.rstrip("0")
    text = sign + f"{int(whole):,}".replace(",", ".") + (f",{frac}" if frac else "")
    return f"{text} {unit}" if unit and unit != "pcs" else text


def format_date(value, with_time: bool = False) -> str:
    """``8 Okt 2025`` (``8 Oct 2025`` in English); a datetime is shown in the branch's
    time zone (MART_TIMEZONE), with ``HH:MM`` when ``with_time``. Strings
    ``YYYY-MM-DD`` are read as dates."""

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = (
                date.fromisoformat(value[:10])
                if len(value) <= 10
                else datetime.fromisoformat(value)
            )
        except ValueError:
            return value
    time_text = ""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = clock.local(value)
        time_text = value.strftime(" %H:%M") if with_time else ""
    locale = get_locale() if has_request_context() else None
    months = _MONTHS["en"] if locale is not None and locale.language == "en" else _MONTHS["id"]
    return f"{value.day} {months[value.month - 1]} {value.year}{time_text}"


def format_month(value) -> str:
    """``Okt 2025`` (``Oct 2025`` in English) from a date or a ``YYYY-MM`` string."""

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date(int(value[:4]), int(value[5:7]), 1)
        except ValueError:
            return value
    locale = get_locale() if has_request_context() else None
    months = _MONTHS["en"] if locale is not None and locale.language == "en" else _MONTHS["id"]
    return f"{months[value.month - 1]} {value.year}"


def format_datetime(value) -> str:
    """``8 Okt 2025 14:05`` in the branch's time zone."""
    return format_date(value, with_time=True)
