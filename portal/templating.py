"""Jinja filters and the values every template can use."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import i18n
from portal.main.forms import LanguageForm
from portal.navigation import nav_for
from portal.policy import may
from portal.sanitize import sanitize_html

DEGREE_LABELS = {
    "bachelor": _l("Bachelor"),
    "master": _l("Master"),
    "doctor": _l("Doctorate"),
}

ROLE_LABELS = {
    "student": _l("Student"),
    "mentor": _l("Mentor"),
    "alumni": _l("Alumni volunteer"),
    "admin": _l("Administrator"),
}


def page_url(number: int) -> str:
    """The current page's URL with its filters kept and another page number."""
    args = {**request.view_args, **request.args.to_dict(), "page": number}
    return url_for(request.endpoint, **args)


def _unread() -> int:
    if not (current_user and current_user.is_authenticated):
        return 0
    from portal.notifications.services import unread_count

    return unread_count(current_user.id)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["sanitize_html"] = sanitize_html
    app.jinja_env.filters["datetime"] = i18n.datetime_filter
    app.jinja_env.filters["date"] = i18n.date_filter
    app.jinja_env.filters["degree_label"] = lambda level: DEGREE_LABELS.get(level, level)
    app.jinja_env.filters["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.globals["may"] = lambda action, obj=None: may(current_user, action, obj)
    app.jinja_env.globals["htmx_version"] = "2.0.11"
    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def _common():
        return {
            "nav_items": nav_for(current_user),
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale()),
            "html_lang": i18n.html_lang(),
            "language_form": LanguageForm(formdata=None, next=request.full_path.rstrip("?")),
            "unread_notifications": _unread(),
        }
