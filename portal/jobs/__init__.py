"""Jobs: curated postings, matched recommendations with reasons and feedback, referrals and applications."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from portal.jobs import (  # noqa: E402,F401
    archive,
    manage_routes,
    routes,
)

blueprints = [bp]
