"""The office's clock. Dates people type and see ("today", "the date of the call", a deadline) are
dates in the office's time zone (BABEL_DEFAULT_TIMEZONE, Asia/Shanghai by default), never the
server's: between 16:00 and 24:00 UTC the two disagree about which day it is."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from portal.models_base import utcnow

DEFAULT_ZONE = "Asia/Shanghai"


def local_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def local_now() -> datetime:
    return utcnow().astimezone(local_zone())


def local_today() -> date:
    return local_now().date()


def local_to_utc(day: date, at: time | None = None) -> datetime:
    """A date and time on the office's clock as an aware UTC datetime (09:00 when no time is given)."""
    return datetime.combine(day, at or time(9, 0), tzinfo=local_zone()).astimezone(timezone.utc)


def moment_of_day(day: date, at: time = time(12)) -> datetime:
    """When something that happened on `day` is recorded: `at` o'clock on the office's clock, or now
    when that is still ahead today (a call logged this morning did not happen in the future)."""
    moment = local_to_utc(day, at)
    now = utcnow()
    return now if day == local_today() and moment > now else moment
