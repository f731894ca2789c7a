"""Outcomes: graduates' destinations, follow-up calls after graduation, anonymous surveys and the
feedback channel on support measures."""
from flask import Blueprint

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

from portal.outcomes import (
    archive,  # noqa: E402,F401  (the outcomes' entries in the student's archive)
    import_routes,  # noqa: E402,F401
    measures,  # noqa: E402,F401  (sessions, bookings and plans as measures)
    routes,  # noqa: E402,F401
    survey_routes,  # noqa: E402,F401
)

blueprints = [bp]
