"""Language and time-zone choice, and the date/time filters that show a zone label."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale, get_timezone
from flask_login import current_user

LANG_COOKIE = "medpath_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def supported() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The user's saved choice, then the cookie of an anonymous choice, then Accept-Language."""
    if not has_request_context():
        # command-line tools and background jobs speak the operators' language
        return current_app.config.get("CLI_LOCALE") or current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = getattr(g, "locale_override", None)
    if chosen:
        return chosen
    user = current_user if current_user else None
    if user is not None and getattr(user, "is_authenticated", False) and user.locale in supported():
        return user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in supported():
        return cookie
    best = request.accept_languages.best_match(list(supported()))
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


_FAST_FORMATS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S"}
_ZONE_LABELS: dict[tuple[str, str], str] = {}


def _zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def zone_label() -> str:
    """The zone's name in the reader's language (中国标准时间 / China Standard Time), computed once."""
    key = (str(get_locale()), str(get_timezone()))
    label = _ZONE_LABELS.get(key)
    if label is None:
        label = format_datetime(datetime(2026, 1, 15, 12, tzinfo=timezone.utc), "zzzz")
        _ZONE_LABELS[key] = label
    return label


def datetime_filter(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A time in the user's zone, always followed by the zone so nobody misreads it."""
    if value is None:
        return ""
    fast = _FAST_FORMATS.get(fmt)
    if fast is None or value.tzinfo is None:
        return format_datetime(value, fmt + " zzzz")
    # strftime is ~50x cheaper than Babel's formatter; list pages show many times
    return value.astimezone(_zone()).strftime(fast) + " " + zone_label()


def date_filter(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return format_datetime(value, "yyyy-MM-dd")
        return value.astimezone(_zone()).strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d")  # a date has no zone
