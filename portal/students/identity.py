"""National ID numbers: checked, kept only as a keyed hash and a masked form."""
from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

from portal.errors import RuleViolation
from portal.i18n import gettext as _
from portal.students.models import Student

NATIONAL_ID = re.compile(r"^\d{17}[\dX]$")


def normalize_national_id(value: str) -> str | None:
    value = (value or "").strip().upper().replace(" ", "")
    return value if NATIONAL_ID.match(value) else None


def national_id_hash(value: str) -> str:
    """Keyed hash of a national ID number: lists can be matched, the number cannot be read back."""
    key = current_app.config["ID_HASH_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_national_id(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def set_national_id(student: Student, value: str) -> None:
    normalized = normalize_national_id(value)
    if normalized is None:
        raise RuleViolation(_("A national ID number has 18 characters: 17 digits and a digit or X."), field="national_id")
    student.national_id_hash = national_id_hash(normalized)
    student.national_id_masked = mask_national_id(normalized)
