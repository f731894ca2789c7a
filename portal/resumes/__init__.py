"""Resumes: several per student, built section by section, reviewed by the student's mentors
with threaded comments on submitted versions, compared across versions and printed to PDF."""
from flask import Blueprint

bp = Blueprint("resumes", __name__, url_prefix="/resumes")

from portal.resumes import archive, routes  # noqa: E402,F401

blueprints = [bp]
