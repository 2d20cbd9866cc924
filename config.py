"""Configuration classes. Settings come from the environment with safe defaults."""

import os
import tempfile


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    # None means: generated once and kept in the instance folder (see mart.create_app).
    SECRET_KEY = os.environ.get("MART_SECRET_KEY")
    # None means: a SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI = os.environ.get("MART_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    MART_PASSWORD_HASH = "scrypt"  # werkzeug's method for passwords and PINs

    MART_MODE = os.environ.get("MART_MODE", "branch")  # "branch" or "association"
    MART_BRANCH_CODE = os.environ.get("MART_BRANCH_CODE", "JKT01")
    MART_BRANCH_NAME = os.environ.get("MART_BRANCH_NAME", "OK OCE Mart Demo")
    MART_BRANCH_ADDRESS = os.environ.get("MART_BRANCH_ADDRESS", "Jl. Contoh No. 1, Jakarta")
    MART_BRANCH_NPWP = os.environ.get("MART_BRANCH_NPWP", "")
    MART_RECEIPT_FOOTER = os.environ.get(
        "MART_RECEIPT_FOOTER", "Terima kasih. Belanja di koperasi, untung bersama."
    )
    MART_TIMEZONE = os.environ.get("MART_TIMEZONE", "Asia/Jakarta")
    # Hour (local time) at which the business day ends; 0 means midnight.
    MART_DAY_END_HOUR = _int("MART_DAY_END_HOUR", 0)

    # Cooperative
    MART_SIMPANAN_POKOK = _int("MART_SIMPANAN_POKOK", 100_000)
    MART_SIMPANAN_WAJIB = _int("MART_SIMPANAN_WAJIB", 20_000)
    MART_SHU_CAPITAL_INCLUDES_SUKARELA = _bool("MART_SHU_CAPITAL_INCLUDES_SUKARELA")
    MART_SHU_PAYOUT = os.environ.get("MART_SHU_PAYOUT", "sukarela")  # or "cash"

    # Tax (DOMAIN.md): effective 11% written as 12% of DPP nilai lain (11/12).
    MART_PKP = _bool("MART_PKP")
    MART_PPN_RATE_PERCENT = _int("MART_PPN_RATE_PERCENT", 12)
    MART_PPN_DPP_NUMERATOR = _int("MART_PPN_DPP_NUMERATOR", 11)
    MART_PPN_DPP_DENOMINATOR = _int("MART_PPN_DPP_DENOMINATOR", 12)

    # Counter
    # Cash due rounded to the nearest Rp 100 (coins below it are scarce); 0 turns it off.
    MART_CASH_ROUNDING = _int("MART_CASH_ROUNDING", 100)
    MART_QRIS_PAYLOAD = os.environ.get("MART_QRIS_PAYLOAD", "")
    MART_DISCOUNT_APPROVAL_PERCENT = _int("MART_DISCOUNT_APPROVAL_PERCENT", 10)
    MART_SHIFT_DIFFERENCE_APPROVAL = _int("MART_SHIFT_DIFFERENCE_APPROVAL", 10_000)
    # Cash-outs of a shift without a manager's approval add up to at most this much
    # (as a cash difference needs one above MART_SHIFT_DIFFERENCE_APPROVAL).
    MART_CASH_OUT_LIMIT = _int("MART_CASH_OUT_LIMIT", 10_000)

    # Roll-up
    MART_ASSOCIATION_URL = os.environ.get("MART_ASSOCIATION_URL", "")
    MART_BRANCH_KEY = os.environ.get("MART_BRANCH_KEY", "")

    # Background workers (print queue, roll-up sender) run as threads in the app.
    MART_START_WORKERS = _bool("MART_START_WORKERS", False)

    # Printer targets (printers/targets.py): network printers on private LAN addresses
    # or those listed in MART_PRINTER_HOSTS (addresses, networks, host names; the only
    # way to allow loopback), on MART_PRINTER_PORTS ("9100", "9100-9109,515"); file
    # printers only inside MART_PRINTER_FILE_DIR (empty: <instance>/printers).
    MART_PRINTER_HOSTS = os.environ.get("MART_PRINTER_HOSTS", "")
    MART_PRINTER_PORTS = os.environ.get("MART_PRINTER_PORTS", "9100")
    MART_PRINTER_FILE_DIR = os.environ.get("MART_PRINTER_FILE_DIR", "")

    # Backups
    MART_BACKUP_DIR = os.environ.get("MART_BACKUP_DIR", "")
    MART_BACKUP_KEEP = _int("MART_BACKUP_KEEP", 14)

    # Request limits (mart/limits.py): any body over MAX_CONTENT_LENGTH is 413, except
    # the CSV import's upload (MART_IMPORT_MAX_BYTES).
    MAX_CONTENT_LENGTH = _int("MART_MAX_BODY_BYTES", 1024 * 1024)
    MART_IMPORT_MAX_BYTES = _int("MART_IMPORT_MAX_BYTES", 20 * 1024 * 1024)

    # Login throttling
    MART_LOG_LEVEL = os.environ.get("MART_LOG_LEVEL", "INFO")  # the "mart" JSON log
    MART_LOGIN_MAX_FAILURES = _int("MART_LOGIN_MAX_FAILURES", 5)
    MART_LOGIN_LOCK_SECONDS = _int("MART_LOGIN_LOCK_SECONDS", 300)
    MART_TOKEN_HOURS = _int("MART_TOKEN_HOURS", 12)
    # A login session ends after this many hours without a request (a working day).
    MART_SESSION_IDLE_HOURS = _int("MART_SESSION_IDLE_HOURS", 12)
    # Members' PINs (simpanan payments): wrong tries in a row before a lock, its length.
    MART_MEMBER_PIN_MAX_FAILURES = _int("MART_MEMBER_PIN_MAX_FAILURES", 5)
    MART_MEMBER_PIN_LOCK_MINUTES = _int("MART_MEMBER_PIN_LOCK_MINUTES", 15)
    # A PIN typed on the customer display: how long the request waits for the member,
    # and how long the approval then stays usable by the sale (seconds).
    MART_MEMBER_PIN_APPROVAL_SECONDS = _int("MART_MEMBER_PIN_APPROVAL_SECONDS", 120)

    # Flask-Babel: Bahasa Indonesia first.
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    # Flask-WTF: CSRF is checked by mart.security (API calls with a bearer token are exempt).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("MART_SECURE_COOKIES")
    REMEMBER_COOKIE_SECURE = _bool("MART_SECURE_COOKIES")

    # flask-smorest
    API_TITLE = "OK OCE Mart"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = None  # served by mart.views.api_docs, without a CDN
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    JSON_SORT_KEYS = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    MART_START_WORKERS = False
    # Cheap hashes in tests only (the suite creates over a thousand users); checking a
    # stored scrypt hash still works, since werkzeug reads the method from the hash.
    MART_PASSWORD_HASH = "pbkdf2:sha256:1000"
    MART_PKP = False
    MART_CASH_ROUNDING = 0
    MART_QRIS_PAYLOAD = ""
    MART_LOGIN_LOCK_SECONDS = 300
    # The tests' fake ESC/POS printer listens on a loopback port it picks, and their
    # file printers write into temporary folders: allowed here explicitly.
    MART_PRINTER_HOSTS = "127.0.0.1"
    MART_PRINTER_PORTS = "9100,1024-65535"
    MART_PRINTER_FILE_DIR = tempfile.gettempdir()
