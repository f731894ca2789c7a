"""The resumes' part of a student's archive: each submission and each completed review."""
from __future__ import annotations

from functools import cache

from flask import has_request_context, url_for
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import gettext as _
from portal.resumes.models import Resume, ResumeVersion, VersionStatus
from portal.students import archive
from portal.students.archive import STUDENT, ArchiveEntry


@cache
def _versions_stmt():
    """Built once (see portal.students.archive)."""
    return (
        select(ResumeVersion).where(ResumeVersion.student_id == bindparam("student_id"))
        .options(joinedload(ResumeVersion.resume).load_only(Resume.id, Resume.title), joinedload(ResumeVersion.reviewed_by))
        .order_by(ResumeVersion.submitted_at)
    )


@archive.provider
def resume_entries(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    """One query: the student's versions with their resume's title and reviewer."""
    versions = db.session.scalars(_versions_stmt(), {"student_id": student.id})
    entries = []
    for version in versions:
        link = url_for("resumes.version", version_id=version.id) if has_request_context() else None
        title = version.content.get("title") or version.resume.title
        entries.append(ArchiveEntry(
            at=version.submitted_at, kind="resume_submission", audience=STUDENT, author_id=version.submitted_by_id,
            title=_("Resume “%(title)s” version %(n)d submitted for review", title=title, n=version.number),
            detail=version.note or "", link=link,
        ))
        if version.status == VersionStatus.REVIEWED and version.reviewed_at is not None:
            mentor = version.reviewed_by.display_name if version.reviewed_by else _("a mentor")
            entries.append(ArchiveEntry(
                at=version.reviewed_at, kind="resume_review", audience=STUDENT, author_id=version.reviewed_by_id,
                title=_("Resume “%(title)s” version %(n)d reviewed by %(mentor)s", title=title, n=version.number, mentor=mentor),
                detail_html=version.review_summary or "", link=link,
            ))
    return entries
