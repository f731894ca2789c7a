"""Group sessions: alumni sharing, group counseling, career lectures and skills training, with
fair registration and waitlists, check-in and ratings; and alumni volunteers' profiles."""
from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

from portal.sessions import (
    archive,  # noqa: E402,F401  (registers the archive provider)
    routes,  # noqa: E402,F401
)

blueprints = [bp]
