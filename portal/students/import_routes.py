"""Roster, certification-list and campus-card imports, and the hidden-hardship signal list."""
from portal.students import bp  # noqa: F401
