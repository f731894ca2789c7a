"""Accounts: signing in and out, passwords, and the administrators' user management."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

from portal.accounts import admin_routes, routes  # noqa: E402,F401

blueprints = [bp, admin_bp]
