"""The students' rules under the names other features import them by. The rules themselves live in
the sub-modules: access (who a student is to a user), assignments, claims (the hardship ledger),
identity (national ID numbers), interventions, profiles, and hooks (what later features report)."""
from __future__ import annotations

from portal.clock import local_zone
from portal.students.access import caseload_student_ids, is_assigned_mentor, mentor_ids_of, student_of_user
from portal.students.assignments import assign
from portal.students.hooks import NEXT_APPOINTMENT_PROVIDERS, OUTCOME_STATUS_PROVIDERS, PLAN_PROGRESS_PROVIDERS
from portal.students.identity import mask_national_id, national_id_hash, normalize_national_id, set_national_id
from portal.students.interventions import log_intervention

__all__ = [
    "NEXT_APPOINTMENT_PROVIDERS", "OUTCOME_STATUS_PROVIDERS", "PLAN_PROGRESS_PROVIDERS", "assign",
    "caseload_student_ids", "is_assigned_mentor", "local_zone", "log_intervention", "mask_national_id", "mentor_ids_of",
    "national_id_hash", "normalize_national_id", "set_national_id", "student_of_user",
]
