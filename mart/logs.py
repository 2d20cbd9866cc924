"""Structured logs with the request id; no secrets."""

import json
import logging
import re

from flask import g, has_request_context

# A NIK is 16 digits; Indonesian phone numbers start 08 or +62/62 and have 9-13 digits.
_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\d+])((?:\+?62|0)8\d)\d{4,8}(\d{3})(?!\d)")
_SECRET = re.compile(
    r"((?:password|passwd|pin|token|secret|authorization)[\"']?\s*[:=]\s*[\"']?)"
    r"(?:Bearer\s+)?[^\s\"',&}]+",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """Mask personal data and secrets in a log line: NIK 3171********0001, phone
    0812*****678, ``password=...`` and bearer tokens as ``***``."""
    text = _SECRET.sub(r"\1***", text)
    text = _NIK.sub(r"\1********\2", text)
    return _PHONE.sub(lambda m: m.group(1) + "*****" + m.group(2), text)


class MaskFilter(logging.Filter):
    """Applied to every record of our handlers (and gunicorn's, see deploy/)."""

    def filter(self, record):
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(app):
    if app.testing:
        return
    name = str(app.config.get("MART_LOG_LEVEL") or "INFO").upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        raise ValueError(
            f"MART_LOG_LEVEL: {name!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)"
        )
    logger = logging.getLogger("mart")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(MaskFilter())
        logger.addHandler(handler)
    logger.setLevel(level)
