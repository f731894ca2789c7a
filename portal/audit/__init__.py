"""The audit log: recording sensitive reads and exports, and the administrators' view of it."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

from portal.audit import routes  # noqa: E402,F401
from portal.audit.services import record, record_view  # noqa: E402,F401

blueprints = [bp]
