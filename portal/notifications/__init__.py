"""Notifications: what the portal tells a user in their inbox (and, for some kinds, by e-mail)."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from portal.notifications import routes  # noqa: E402,F401
from portal.notifications.services import kind, notify  # noqa: E402,F401

blueprints = [bp]
