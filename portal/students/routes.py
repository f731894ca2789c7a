"""Profiles, the ledger, verification, caseloads, interventions and the archive."""
from portal.students import bp  # noqa: F401
