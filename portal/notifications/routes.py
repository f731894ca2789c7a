"""A user's notifications."""
from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user, login_required

from portal import policy
from portal.accounts.forms import EmptyForm
from portal.extensions import db
from portal.htmx import render
from portal.notifications import bp, services


@bp.route("/")
@login_required
def index():
    policy.require("notifications.own")
    items = services.recent(current_user.id)
    return render("notifications/index.html", "notifications/_list.html", items=items,
                  text_of=services.text_of, form=EmptyForm())


@bp.post("/read")
@login_required
def mark_read():
    policy.require("notifications.own")
    form = EmptyForm()
    if form.validate_on_submit():
        services.mark_all_read(current_user.id)
        db.session.commit()
    return redirect(url_for("notifications.index"))
