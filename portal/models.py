"""Imports every feature's models so that metadata is complete."""
from portal.accounts.models import LoginSession, Role, User  # noqa: F401
from portal.audit.models import AuditLog  # noqa: F401
from portal.students.models import Student  # noqa: F401
