"""Changes to a student's profile: their own contact details and intentions, and the record staff keep.
Every change is kept (ProfileChange) for the archive."""
from __future__ import annotations

import re

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.students import labels
from portal.students.identity import set_national_id
from portal.students.models import ProfileChange, Student

CONTACT_FIELDS = ("phone", "email")
INTENTION_FIELDS = (
    "intended_regions", "intended_hospital_levels", "intended_post_types", "grassroots_openness",
    "further_study", "standardized_training", "intentions_note",
)
# what admins and the student's mentors keep; the student keeps contact and intentions
RECORD_FIELDS = (
    "display_name", "gender", "college", "major", "degree_level", "cohort", "graduation_year",
    "class_name", "home_province", "origin", "academic_standing", "priority",
)
PHONE = re.compile(r"^(\+?86[- ]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$")


def _current(student: Student, name: str):
    if name in ("email", "display_name"):
        return getattr(student.user, name)
    return getattr(student, name)


def _apply(student: Student, name: str, value) -> None:
    if name in ("email", "display_name"):
        setattr(student.user, name, value)
    else:
        setattr(student, name, value)


def _record_changes(student: Student, actor, changes: dict[str, list]) -> ProfileChange | None:
    if not changes:
        return None
    row = ProfileChange(student_id=student.id, changed_by_id=getattr(actor, "id", None), changes=changes)
    db.session.add(row)
    db.session.flush()
    return row


def _apply_values(student: Student, values: dict) -> dict[str, list]:
    """Set the fields that differ; returns {field: [old, new]}."""
    changes = {}
    for name, value in values.items():
        old = _current(student, name)
        if isinstance(value, str):
            value = value.strip() or None
        if old != value:
            changes[name] = [old, value]
            _apply(student, name, value)
    return changes


def _set_fields(student: Student, actor, values: dict) -> ProfileChange | None:
    return _record_changes(student, actor, _apply_values(student, values))


def _check_choices(name: str, values, allowed) -> None:
    bad = [str(v) for v in values if v not in allowed]
    if bad:
        raise RuleViolation(_("“%(value)s” is not one of the choices offered.", value=", ".join(bad)), field=name)


def update_contact(student: Student, *, actor, phone: str | None, email: str | None) -> ProfileChange | None:
    """The student's own contact details; each change is kept for the archive."""
    phone = (phone or "").strip() or None
    email = (email or "").strip().lower() or None
    if phone and not PHONE.match(phone):
        raise RuleViolation(_("Enter a mobile number such as 13800138000, or a landline such as 0311-12345678."),
                            field="phone")
    if email and ("@" not in email or len(email) > 254):
        raise RuleViolation(_("Enter an e-mail address such as name@example.com."), field="email")
    return _set_fields(student, actor, {"phone": phone, "email": email})


def update_intentions(
    student: Student,
    *,
    actor,
    regions: list[str],
    hospital_levels: list[str],
    post_types: list[str],
    grassroots_openness: str | None,
    further_study: str | None,
    standardized_training: bool,
    note: str | None = None,
) -> ProfileChange | None:
    """The student's job-search intentions, each value one of the portal's lists."""
    _check_choices("regions", regions, labels.PROVINCES)
    _check_choices("hospital_levels", hospital_levels, labels.HOSPITAL_LEVELS)
    _check_choices("post_types", post_types, labels.POST_TYPES)
    if grassroots_openness:
        _check_choices("grassroots_openness", [grassroots_openness], labels.GRASSROOTS)
    if further_study:
        _check_choices("further_study", [further_study], labels.FURTHER_STUDY)
    order = {name: i for i, name in enumerate(labels.PROVINCES)}
    values = {
        "intended_regions": sorted(dict.fromkeys(regions), key=order.get),
        "intended_hospital_levels": [v for v in labels.HOSPITAL_LEVELS if v in set(hospital_levels)],
        "intended_post_types": [v for v in labels.POST_TYPES if v in set(post_types)],
        "grassroots_openness": grassroots_openness or None,
        "further_study": further_study or None,
        "standardized_training": bool(standardized_training),
        "intentions_note": (note or "").strip()[:1000] or None,
    }
    return _set_fields(student, actor, values)


def update_record(student: Student, *, actor, national_id: str | None = None, **fields) -> ProfileChange | None:
    """What admins and the student's mentors keep: identity, studies, origin, standing, priority.

    A national ID number is only ever stored as its keyed hash and masked form; the archive
    records that it changed, masked.
    """
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    if not (fields.get("display_name") or student.user.display_name):
        raise RuleViolation(_("The name cannot be empty."), field="display_name")
    checks = {
        "gender": labels.GENDERS, "degree_level": labels.DEGREES, "origin": labels.ORIGINS,
        "academic_standing": labels.STANDINGS, "priority": labels.PRIORITIES,
        "home_province": labels.PROVINCES,
    }
    for name, allowed in checks.items():
        if fields.get(name):
            _check_choices(name, [fields[name]], allowed)
    if "graduation_year" in fields:
        year = fields["graduation_year"]
        if year is None or not 1990 <= int(year) <= 2100:
            raise RuleViolation(_("Enter a graduation year such as 2027."), field="graduation_year")
    year = fields.get("graduation_year", student.graduation_year)
    cohort = fields.get("cohort", student.cohort)
    if cohort is not None and not (year - 12 <= cohort < year):
        raise RuleViolation(_("The year of entry must be a few years before the graduation year."), field="cohort")
    for name in ("college", "major", "degree_level", "academic_standing", "priority"):
        if name in fields and not fields[name]:
            raise RuleViolation(_("This field is required."), field=name)
    changes = {}
    if national_id:
        old_hash, old_masked = student.national_id_hash, student.national_id_masked
        set_national_id(student, national_id)
        if student.national_id_hash != old_hash:
            changes["national_id"] = [old_masked, student.national_id_masked]
    changes.update(_apply_values(student, fields))
    return _record_changes(student, actor, changes)
