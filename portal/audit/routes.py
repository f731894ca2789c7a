"""The administrators' audit-log page."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_login import login_required

from portal import policy
from portal.audit import bp, services
from portal.audit.forms import AuditFilterForm
from portal.formutil import choices
from portal.htmx import render
from portal.i18n import lazy_gettext as _l
from portal.pagination import paginate


def _local_midnight(day) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


@bp.route("/")
@login_required
def index():
    policy.require("audit.view")
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", _l("All actions"))] + [(a, a) for a in services.known_actions()])
    status = 200
    filters = {}
    if form.validate():
        filters = dict(
            actor=form.actor.data,
            action=form.action.data or None,
            target_type=form.target_type.data,
            since=_local_midnight(form.since.data) if form.since.data else None,
            until=_local_midnight(form.until.data) + timedelta(days=1) if form.until.data else None,
        )
    else:
        status = 400
    page = paginate(services.query_log(**filters), per_page=current_app.config["AUDIT_PAGE_SIZE"])
    return render("audit/index.html", "audit/_rows.html", status=status, form=form, page=page)
