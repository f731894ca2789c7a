"""Language and time-zone choice, and the date/time filters that show a zone label."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_login import current_user

LANG_COOKIE = "medpath_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def supported() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The user's saved choice, then the cookie of an anonymous choice, then Accept-Language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
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


def html_lang() -> str:
    return "zh-CN" if str(get_locale()) == "zh" else "en"


def datetime_filter(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A time in the user's zone, always followed by the zone so nobody misreads it."""
    if value is None:
        return ""
    return format_datetime(value, fmt + " zzzz")


def date_filter(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "yyyy-MM-dd")
