"""The resumes' part of a student's archive: each submission and each completed review."""
from __future__ import annotations

from flask import has_request_context, url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import gettext as _
from portal.resumes.models import Resume, ResumeVersion, VersionStatus
from portal.students import archive
from portal.students.archive import STUDENT, ArchiveEntry


@archive.provider
def resume_entries(student, viewer, *, for_student: bool) -> list[ArchiveEntry]:
    """One query: the student's versions with their resume's title and the reviewer's name."""
    versions = db.session.execute(
        select(ResumeVersion.id, ResumeVersion.content, ResumeVersion.number, ResumeVersion.note,
               ResumeVersion.status, ResumeVersion.submitted_at, ResumeVersion.submitted_by_id,
               ResumeVersion.reviewed_at, ResumeVersion.reviewed_by_id, ResumeVersion.review_summary,
               Resume.title.label("resume_title"), User.display_name.label("reviewer_name"))
        .join(Resume, Resume.id == ResumeVersion.resume_id)
        .outerjoin(User, User.id == ResumeVersion.reviewed_by_id)
        .where(ResumeVersion.student_id == student.id)
        .order_by(ResumeVersion.submitted_at)
    )
    in_request = has_request_context()
    entries = []
    for version in versions:
        link = url_for("resumes.version", version_id=version.id) if in_request else None
        title = (version.content or {}).get("title") or version.resume_title
        entries.append(ArchiveEntry(
            at=version.submitted_at, kind="resume_submission", audience=STUDENT, author_id=version.submitted_by_id,
            title=_("Resume “%(title)s” version %(n)d submitted for review", title=title, n=version.number),
            detail=version.note or "", link=link,
        ))
        if version.status == VersionStatus.REVIEWED and version.reviewed_at is not None:
            mentor = version.reviewer_name if version.reviewer_name is not None else _("a mentor")
            entries.append(ArchiveEntry(
                at=version.reviewed_at, kind="resume_review", audience=STUDENT, author_id=version.reviewed_by_id,
                title=_("Resume “%(title)s” version %(n)d reviewed by %(mentor)s", title=title, n=version.number, mentor=mentor),
                detail_html=version.review_summary or "", link=link,
            ))
    return entries
