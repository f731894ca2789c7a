"""Reports: the analysis dashboard (the office's whole class, or a mentor's caseload), the cohort
report as a PDF, the workbook of the ledger and destinations, and what counts in the rate."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from portal.reports import routes  # noqa: E402,F401

blueprints = [bp]
