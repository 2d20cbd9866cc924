"""Every setting of the app in one place: its environment variable, default and type.

``settings()`` reads them from the environment when ``mart.create_app`` runs, not when
this module is imported: a test sets a variable (``monkeypatch.setenv``) and makes an
app, without reloading anything. ``Config`` holds what is fixed (not read from the
environment); ``TestConfig`` what the tests change. docs/SETTINGS.md is the table of
the settings below (a test keeps the two in step).
"""

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass

MODES = ("branch", "association")
TRUE_WORDS = ("1", "true", "yes", "on")


class ConfigError(ValueError):
    """A setting's value cannot be used (the message names the variable and the value)."""


@dataclass(frozen=True)
class Setting:
    key: str  # the name in app.config
    default: object
    type: type  # str, int, float or bool
    meaning: str
    env: str = ""  # the environment variable, when it is not ``key``

    @property
    def variable(self) -> str:
        return self.env or self.key

    def read(self, environ: Mapping[str, str]):
        """The value in ``environ``: unset (or empty, for numbers) gives the default;
        a flag is on for 1/true/yes/on."""
        raw = environ.get(self.variable)
        if raw is None:
            return self.default
        if self.type is bool:
            return raw.strip().lower() in TRUE_WORDS
        if self.type is str:
            return raw
        if raw == "":
            return self.default
        try:
            return self.type(raw)
        except ValueError:
            raise ConfigError(
                f"{self.variable}={raw!r} is not {'an integer' if self.type is int else 'a number'}"
            ) from None


SETTINGS = (
    # --- the branch ----------------------------------------------------------------
    Setting("MART_MODE", "branch", str, "`branch`, or `association` for the hub"),
    Setting("MART_BRANCH_CODE", "JKT01", str, "the branch's code (receipts, roll-up)"),
    Setting("MART_BRANCH_NAME", "OK OCE Mart Demo", str, "the branch's name on slips and pages"),
    Setting("MART_BRANCH_ADDRESS", "Jl. Contoh No. 1, Jakarta", str, "address on slips"),
    Setting("MART_BRANCH_NPWP", "", str, "the cooperative's NPWP on slips (empty: none)"),
    Setting(
        "MART_RECEIPT_FOOTER",
        "Terima kasih. Belanja di koperasi, untung bersama.",
        str,
        "last line of a receipt",
    ),
    Setting("MART_TIMEZONE", "Asia/Jakarta", str, "the branch's time zone (`mart.clock`)"),
    Setting("MART_DAY_END_HOUR", 0, int, "local hour at which the business day ends (0: midnight)"),
    # --- storage and secrets ---------------------------------------------------------
    Setting(
        "SECRET_KEY",
        None,
        str,
        "signs sessions, derives the branch keys' key; unset: made once in the instance "
        "folder; placeholders and keys under 32 characters are refused",
        env="MART_SECRET_KEY",
    ),
    Setting(
        "MART_OLD_SECRET_KEYS",
        "",
        str,
        "former secret keys (comma separated) while `rollup reencrypt-keys` runs",
    ),
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        None,
        str,
        "the database (`postgresql://...`); unset: a SQLite file in the instance folder",
        env="MART_DATABASE_URL",
    ),
    Setting(
        "MART_DB_PING_IDLE_SECONDS",
        1.0,
        float,
        "PostgreSQL: a pooled connection idle longer is pinged before use (a restarted "
        "server's are replaced); one used more recently is not (-1: ping every checkout)",
    ),
    Setting(
        "MART_READ_DATABASE_URL",
        "",
        str,
        "hub: a read replica for the dashboard's reads (empty: none)",
    ),
    Setting(
        "MART_INSTANCE_PATH",
        "",
        str,
        "the instance folder (secret key, SQLite file, locks, backups); empty: `instance/`",
    ),
    # --- the cooperative ---------------------------------------------------------------
    Setting("MART_SIMPANAN_POKOK", 100_000, int, "simpanan pokok (rupiah, once)"),
    Setting("MART_SIMPANAN_WAJIB", 20_000, int, "simpanan wajib (rupiah a month)"),
    Setting(
        "MART_SHU_CAPITAL_INCLUDES_SUKARELA",
        False,
        bool,
        "SHU: capital counts simpanan sukarela too",
    ),
    Setting("MART_SHU_PAYOUT", "sukarela", str, "SHU paid into `sukarela` or in `cash`"),
    Setting(
        "MART_CREDIT_LIMIT_PERCENT_OF_CAPITAL",
        50,
        int,
        "member credit: the default limit, a percent of the member's capital (pokok + wajib)",
    ),
    Setting("MART_CREDIT_TERM_DAYS", 30, int, "member credit: days until a purchase is due"),
    # --- tax (docs: DOMAIN) --------------------------------------------------------------
    Setting("MART_PKP", False, bool, "the branch charges PPN (pengusaha kena pajak)"),
    Setting("MART_PPN_RATE_PERCENT", 12, int, "PPN rate (% of DPP)"),
    Setting("MART_PPN_DPP_NUMERATOR", 11, int, "DPP nilai lain = price x 11/12 (numerator)"),
    Setting("MART_PPN_DPP_DENOMINATOR", 12, int, "... (denominator)"),
    # --- the counter -----------------------------------------------------------------
    Setting(
        "MART_CASH_ROUNDING",
        100,
        int,
        "cash due rounded to the nearest this many rupiah (0: off)",
    ),
    Setting("MART_QRIS_PAYLOAD", "", str, "the branch's static QRIS payload (empty: no QRIS)"),
    Setting(
        "MART_DISCOUNT_APPROVAL_PERCENT",
        10,
        int,
        "a discount above this % of a line needs a manager's PIN",
    ),
    Setting(
        "MART_SHIFT_DIFFERENCE_APPROVAL",
        10_000,
        int,
        "a shift's cash difference above this (rupiah) needs a manager's PIN",
    ),
    Setting(
        "MART_CASH_OUT_LIMIT",
        10_000,
        int,
        "cash-outs of a shift without a manager's PIN add up to at most this (rupiah)",
    ),
    Setting(
        "MART_SCALE_RULES",
        "21:weight,22:price",
        str,
        "scale labels: `prefix:weight|price,...` (inventory.barcodes)",
    ),
    # --- purchasing ----------------------------------------------------------------------
    Setting(
        "MART_PO_LEAD_TIME_DAYS", 3, int, "days from order to delivery, when a supplier has none"
    ),
    Setting("MART_PO_VELOCITY_WEEKS", 6, int, "weeks of sales a suggested order looks at"),
    Setting("MART_PO_COVER_DAYS", 7, int, "days of sales a suggested order covers"),
    # --- the books -----------------------------------------------------------------------
    Setting(
        "MART_BOOKS_SUMMARY_LAG_SECONDS",
        600.0,
        float,
        "how old the books' daily summaries may be before a report rebuilds them",
    ),
    # --- roll-up ---------------------------------------------------------------------
    Setting("MART_ASSOCIATION_URL", "", str, "branch: the hub's address (empty: nothing is sent)"),
    Setting("MART_BRANCH_KEY", "", str, "branch: the key the hub gave (`rollup add-branch`)"),
    Setting("MART_ROLLUP_SEND_SECONDS", 60, float, "how often the sender looks for due reports"),
    Setting("MART_ROLLUP_REBUILD_SECONDS", 3600, float, "how often recent days are rebuilt"),
    Setting(
        "MART_ROLLUP_LOOKBACK_DAYS",
        7,
        float,
        "how far back a late change makes a new revision (days)",
    ),
    Setting("MART_ROLLUP_RETRY_SECONDS", 30, float, "first retry delay, doubled at each failure"),
    Setting("MART_ROLLUP_RETRY_MAX_SECONDS", 3600, float, "... up to this"),
    Setting("MART_ROLLUP_CONNECT_TIMEOUT", 3, float, "seconds to connect to the hub"),
    Setting("MART_ROLLUP_READ_TIMEOUT", 10, float, "seconds to wait for the hub's answer"),
    Setting("MART_ROLLUP_STALE_DAYS", 3, float, "hub: a branch silent for more days is flagged"),
    # --- background workers, printers, backups -----------------------------------------
    Setting(
        "MART_START_WORKERS",
        False,
        bool,
        "run the print worker, roll-up sender and backup as threads (one process)",
    ),
    Setting(
        "MART_WORKERS_PROCESS",
        True,
        bool,
        "gunicorn (`deploy/gunicorn.conf.py`) runs the workers in a process of their own "
        "(`mart/workers_process.py`); off: as threads of a serving process",
    ),
    Setting(
        "MART_WORKERS_ELSEWHERE",
        False,
        bool,
        "set by `deploy/gunicorn.conf.py` for its serving processes: the workers run in "
        "their own process, so these start none",
    ),
    Setting(
        "MART_PRINTER_HOSTS",
        "",
        str,
        "network printers allowed beyond private LAN addresses (addresses, networks, names)",
    ),
    Setting("MART_PRINTER_PORTS", "9100", str, "ports network printers may use (`9100-9109,515`)"),
    Setting(
        "MART_PRINTER_FILE_DIR",
        "",
        str,
        "file printers write only inside this folder (empty: `<instance>/printers`)",
    ),
    Setting("MART_BACKUP_AUTO", True, bool, "the worker takes a backup when one is due"),
    Setting("MART_BACKUP_EVERY_HOURS", 24, int, "hours between automatic backups"),
    Setting("MART_BACKUP_DIR", "", str, "where backups go (empty: `<instance>/backups`)"),
    Setting("MART_BACKUP_KEEP", 14, int, "backups kept (older ones removed; 0: all)"),
    # --- requests, logins, logs --------------------------------------------------------
    Setting(
        "MAX_CONTENT_LENGTH",
        1024 * 1024,
        int,
        "largest request body (bytes); larger is 413",
        env="MART_MAX_BODY_BYTES",
    ),
    Setting("MART_IMPORT_MAX_BYTES", 20 * 1024 * 1024, int, "largest CSV import upload (bytes)"),
    Setting("MART_LOG_LEVEL", "INFO", str, "level of the `mart` JSON log"),
    Setting("MART_LOGIN_MAX_FAILURES", 5, int, "wrong passwords in a row before a lock"),
    Setting("MART_LOGIN_LOCK_SECONDS", 300, int, "how long a login stays locked"),
    Setting("MART_TOKEN_HOURS", 12, int, "lifetime of an API token"),
    Setting(
        "MART_SESSION_IDLE_HOURS",
        12,
        int,
        "a login session ends after this long without a page load (a screen that only"
        " fetches, as the register's, stays in while it is used)",
    ),
    Setting("MART_MEMBER_PIN_MAX_FAILURES", 5, int, "wrong member PINs in a row before a lock"),
    Setting("MART_MEMBER_PIN_LOCK_MINUTES", 15, int, "how long a member's PIN stays locked"),
    Setting(
        "MART_MEMBER_PIN_APPROVAL_SECONDS",
        120,
        int,
        "a PIN typed on the customer display: wait for it, then usable for this long",
    ),
    Setting(
        "SESSION_COOKIE_SECURE",
        False,
        bool,
        "cookies only over HTTPS (session and remember-me)",
        env="MART_SECURE_COOKIES",
    ),
    Setting(
        "REMEMBER_COOKIE_SECURE",
        False,
        bool,
        "cookies only over HTTPS (session and remember-me)",
        env="MART_SECURE_COOKIES",
    ),
)


def settings(environ: Mapping[str, str] | None = None) -> dict:
    """Every setting's value from ``environ`` (default: the process environment now)."""
    environ = os.environ if environ is None else environ
    values = {setting.key: setting.read(environ) for setting in SETTINGS}
    check(values)
    return values


def check(config: Mapping) -> None:
    """Refuse values the app cannot run with, naming the setting and the value."""
    mode = config.get("MART_MODE")
    if mode not in MODES:
        raise ConfigError(f"MART_MODE={mode!r}: must be one of {', '.join(MODES)}")


class Config:
    """What is fixed, not read from the environment."""

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    MART_PASSWORD_HASH = "scrypt"  # werkzeug's method for passwords and PINs

    # Flask-Babel: Bahasa Indonesia first.
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")

    # Flask-WTF: CSRF is checked by mart.security (API calls with a bearer token are exempt).
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

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


def markdown_table() -> str:
    """The table of docs/SETTINGS.md (a test checks the file carries it as it is)."""
    rows = ["| variable | default | type | meaning |", "|---|---|---|---|"]
    seen = set()
    for setting in SETTINGS:
        if setting.variable in seen:
            continue
        seen.add(setting.variable)
        if setting.default is None:
            default = "(unset)"
        elif setting.default == "":
            default = "(empty)"
        elif setting.type is bool:
            default = f"`{'1' if setting.default else '0'}`"
        else:
            default = f"`{setting.default}`"
        meaning = setting.meaning
        if setting.env:
            keys = [s.key for s in SETTINGS if s.variable == setting.variable]
            meaning += f" (app.config {', '.join(f'`{k}`' for k in keys)})"
        rows.append(f"| `{setting.variable}` | {default} | {setting.type.__name__} | {meaning} |")
    return "\n".join(rows) + "\n"
