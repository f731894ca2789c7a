"""The names the postings import (portal/jobs/imports.py) reads from here. The rules of the jobs
feature live in postings, search, applications, recommendations and caseload."""
from __future__ import annotations

from portal.clock import local_today  # noqa: F401
from portal.errors import RuleViolation as JobsError  # noqa: F401
from portal.jobs.postings import _apply_posting, clean_posting  # noqa: F401
