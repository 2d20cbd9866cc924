"""The branch's clock: the one place that knows its time zone and business day.

A branch keeps time in UTC and reads it in its own zone (``MART_TIMEZONE``). Its
business day ends at ``MART_DAY_END_HOUR`` local time: a sale at 01:30 with an end hour
of 3 still belongs to the day before. Every package asks here; none keeps a copy.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from mart.db import utcnow

__all__ = [
    "business_date",
    "day_bounds",
    "last_closed_day",
    "local",
    "local_text",
    "timezone",
    "utcnow",
]

DEFAULT_TIMEZONE = "Asia/Jakarta"


def timezone() -> ZoneInfo:
    """The branch's time zone (ZoneInfo caches its instances)."""
    return ZoneInfo(current_app.config.get("MART_TIMEZONE") or DEFAULT_TIMEZONE)


def _end_hour() -> int:
    return int(current_app.config.get("MART_DAY_END_HOUR") or 0)


def local(at: datetime | None = None) -> datetime:
    """A moment (now by default) in the branch's local time; naive values are UTC."""
    at = at or utcnow()
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(timezone())


def local_text(at: datetime | None) -> str:
    """``08-10-2025 14:05``: a moment as slips print it; "-" for none."""
    return local(at).strftime("%d-%m-%Y %H:%M") if at is not None else "-"


def business_date(at: datetime | None = None) -> date:
    """The business day a moment (now by default) falls in."""
    return (local(at) - timedelta(hours=_end_hour())).date()


def last_closed_day(at: datetime | None = None) -> date:
    """The last business day that has ended."""
    return business_date(at) - timedelta(days=1)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of business day ``day``."""
    tz, hour = timezone(), _end_hour()
    start = datetime.combine(day, time(hour), tz)
    end = datetime.combine(day + timedelta(days=1), time(hour), tz)
    return start.astimezone(UTC), end.astimezone(UTC)
