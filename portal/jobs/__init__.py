"""Jobs: curated postings, matched recommendations with reasons and feedback, referrals and applications."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from portal.jobs import (
    manage_routes,  # noqa: E402,F401
    routes,  # noqa: E402,F401
)
from portal.jobs.templating import init_blueprint

init_blueprint(bp)

blueprints = [bp]
