"""One-to-one appointments: hosts publish slots, students book them; reminders, calendar files,
outcomes and booking campaigns."""
from flask import Blueprint

bp = Blueprint("appointments", __name__, url_prefix="/appointments")

from portal.appointments import archive, routes  # noqa: E402,F401

blueprints = [bp]
