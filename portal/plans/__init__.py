"""Understanding each student and planning their support: the intake questionnaire and its rounds, the
career-interest inventory (RIASEC), one-student-one-plan (一生一策), and the job-seeking subsidy."""
from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")

from portal.plans import (
    admin_routes,  # noqa: E402,F401
    archive,  # noqa: E402,F401
    routes,  # noqa: E402,F401
    subsidy_routes,  # noqa: E402,F401
)

blueprints = [bp]
