"""Jinja filters and the values every template can use."""
from __future__ import annotations

from flask import Flask, g, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal import i18n
from portal.i18n import lazy_gettext as _l
from portal.navigation import links_for
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


def _unread(viewer) -> int:
    if viewer is None:
        return 0
    known = g.get("unread_notifications")
    if known is not None:  # read with the session at sign-in check
        return known
    from portal.notifications.services import unread_count

    return unread_count(viewer.id)


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
        user = current_user._get_current_object() if current_user else None
        viewer = user if user is not None and user.is_authenticated else None
        locale = str(get_locale())
        return {
            "viewer": viewer,
            "nav_links": links_for(viewer),
            "endpoint": request.endpoint,
            "soon_label": _l("coming soon"),
            "languages": app.config["LANGUAGES"],
            "current_locale": locale,
            "html_lang": "zh-CN" if locale == "zh" else "en",
            "here": request.full_path.rstrip("?"),
            "unread_notifications": _unread(viewer),
        }
