"""Language and time-zone choice, and the date/time filters that show a zone label."""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel import support
from flask import current_app, g, has_request_context, request
from flask.globals import _cv_app
from flask_babel import (
    LazyString,
    format_datetime,
    get_domain,
    get_locale,
)
from flask_login import current_user

LANG_COOKIE = "medpath_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


# --- translations -------------------------------------------------------------------------------
# Flask-Babel finds the catalogue anew on every call (context lookups and the locale's name built
# each time, about 15 µs); list pages translate thousands of strings. These functions keep the
# catalogue beside the locale it was found for, and find it again whenever that locale changes
# (force_locale, refresh): the strings are the same, only cheaper.

_NULL = support.NullTranslations()


def translations() -> support.NullTranslations:
    ctx = _cv_app.get(None)
    if ctx is None:
        return _NULL
    state = ctx.g.__dict__.get("_flask_babel")
    if state is not None:
        cached = state.__dict__.get("medpath_translations")
        if cached is not None and cached[0] is state.__dict__.get("babel_locale"):
            return cached[1]
    found = get_domain().get_translations()
    state = ctx.g.__dict__.get("_flask_babel")
    if state is not None:
        state.medpath_translations = (state.__dict__.get("babel_locale"), found)
    return found


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def install_template_callables(app) -> None:
    """Templates' _() and ngettext() through the kept catalogue (after Babel's own set-up)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


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


def _zone() -> ZoneInfo:
    # select_timezone() always answers the office's zone; ZoneInfo keeps one instance per name
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _language() -> str:
    """The reader's language, from the locale Babel already chose for this request when it has."""
    ctx = _cv_app.get(None)
    state = ctx.g.__dict__.get("_flask_babel") if ctx is not None else None
    locale = state.__dict__.get("babel_locale") if state is not None else None
    if locale is None:
        locale = get_locale()
    if locale is None:
        return ""
    # its parts, not str(locale): Babel builds that name anew on every call
    return f"{locale.language}_{locale.script or ''}_{locale.territory or ''}"


def zone_label() -> str:
    """The zone's name in the reader's language (中国标准时间 / China Standard Time)."""
    return _zone_name(_language(), current_app.config["BABEL_DEFAULT_TIMEZONE"])


@functools.cache
def _zone_name(language: str, zone: str) -> str:
    # a fact of the language and the zone, worked out by Babel in a tenth of a millisecond, and the
    # same for every time a page shows: worked out once per language (format_datetime reads both)
    return format_datetime(datetime(2026, 1, 15, 12, tzinfo=timezone.utc), "zzzz")


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
