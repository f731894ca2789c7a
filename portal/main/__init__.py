"""The front door: health check, language choice, and each role's home page."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from portal.main import routes  # noqa: E402,F401

blueprints = [bp]
