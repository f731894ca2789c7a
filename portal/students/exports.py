"""The student's own archive as a download: the same facts as a readable PDF and as JSON."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.i18n import datetime_filter
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.students import archive, labels
from portal.students.claims import claim_visible_to_student
from portal.students.ledger import plain_text
from portal.students.models import HardshipClaim, Student


def archive_data(student: Student, viewer) -> dict:
    """Everything the portal holds about the student that the student may see, as plain values.

    Staff working notes (verification checklists, notes shared only among mentors, anyone's private
    notes) are not the student's to read and are left out; the timeline says what they did see.
    """
    user = student.user

    def lab(mapping, value):
        return labels.label(mapping, value) or None

    def facts(pairs):
        # stable field names for programs, translated labels for people
        return [{"field": name, "label": labels.label(labels.FIELDS, name), "value": value} for name, value in pairs]

    profile = [{"field": "student_no", "label": _("Student number"), "value": student.student_no}] + facts([
        ("display_name", user.display_name),
        ("gender", lab(labels.GENDERS, student.gender)),
        ("college", student.college),
        ("major", student.major),
        ("degree_level", lab(labels.DEGREES, student.degree_level)),
        ("cohort", student.cohort),
        ("graduation_year", student.graduation_year),
        ("class_name", student.class_name),
        ("home_province", student.home_province),
        ("origin", lab(labels.ORIGINS, student.origin)),
        ("academic_standing", lab(labels.STANDINGS, student.academic_standing)),
        ("national_id", student.national_id_masked),
        ("phone", student.phone),
        ("email", user.email),
    ])
    intentions = facts([
        ("intended_regions", "、".join(student.intended_regions or []) or None),
        ("intended_hospital_levels", "、".join(lab(labels.HOSPITAL_LEVELS, v) for v in student.intended_hospital_levels or []) or None),
        ("intended_post_types", "、".join(lab(labels.POST_TYPES, v) for v in student.intended_post_types or []) or None),
        ("grassroots_openness", lab(labels.GRASSROOTS, student.grassroots_openness)),
        ("further_study", lab(labels.FURTHER_STUDY, student.further_study)),
        ("standardized_training", _("Yes") if student.standardized_training else _("No")),
        ("intentions_note", student.intentions_note),
    ])
    mentors = [
        {"name": a.mentor.display_name, "role": labels.label(labels.ASSIGNMENT_KINDS, a.kind)}
        for a in sorted(student.assignments, key=lambda a: a.kind != "primary")
    ]
    support = []
    for claim in db.session.scalars(select(HardshipClaim).where(HardshipClaim.student_id == student.id)):
        if claim_visible_to_student(claim):
            support.append({
                "category": labels.category_label(claim.category, claim.level),
                "status": labels.label(labels.STUDENT_STATUSES, claim.status),
                "since": datetime_filter(claim.created_at),
            })
    timeline = [
        {
            "at": datetime_filter(entry.at),
            "title": entry.title,
            "detail": entry.detail,
            "notes": plain_text(entry.detail_html) if entry.detail_html else "",
        }
        for entry in archive.timeline(student, viewer)
    ]
    return {
        "title": _("Employment archive of %(name)s", name=user.display_name),
        "generated_at": datetime_filter(utcnow()),
        "profile": profile,
        "intentions": intentions,
        "mentors": mentors,
        "support": support,
        "timeline": timeline,
        "note": _("This archive holds what the portal records about you that is yours to read. Notes your "
                  "counselors keep for their own work are not included."),
    }


def archive_pdf(data: dict) -> bytes:
    from portal.pdf import render_pdf

    return render_pdf("pdf/student_archive.html", data=data)
