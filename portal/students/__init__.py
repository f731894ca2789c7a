"""Students: profiles, the hardship ledger and its imports, hidden-hardship signals, caseloads,
interventions and each student's archive."""
from flask import Blueprint

bp = Blueprint("students", __name__)

from portal.students import (  # noqa: E402,F401
    caseload_routes,
    import_routes,
    ledger_routes,
    routes,
)

blueprints = [bp]
