"""Students: profiles, the hardship ledger and its imports, hidden-hardship signals, caseloads,
interventions and each student's archive."""
from flask import Blueprint

bp = Blueprint("students", __name__)

from portal.students import (
    import_routes,  # noqa: E402,F401
    routes,  # noqa: E402,F401
)

blueprints = [bp]
