"""The jobs' part of a student's archive: each application stage and each referral."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import vocab
from portal.jobs.models import Application, ApplicationEvent, JobPosting, Referral
from portal.students import archive


@archive.provider
def archive_entries(student, viewer, *, for_student: bool) -> list:
    """Each application stage and each referral, in two queries of the columns an entry shows."""
    entries = []
    events = db.session.execute(
        select(ApplicationEvent.recorded_at, ApplicationEvent.stage, ApplicationEvent.stage_on, ApplicationEvent.note,
               ApplicationEvent.recorded_by_id, Application.id.label("application_id"), Application.title,
               Application.employer)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(ApplicationEvent.student_id == student.id).order_by(ApplicationEvent.id)
    )
    for event in events:
        entries.append(archive.ArchiveEntry(
            at=event.recorded_at,
            kind="job_application",
            title=_("Application to %(title)s at %(employer)s: %(stage)s", title=event.title,
                    employer=event.employer, stage=vocab.label(vocab.APPLICATION_STAGES, event.stage)),
            detail=_("On %(date)s.", date=event.stage_on.isoformat()) + (f" {event.note}" if event.note else ""),
            audience=archive.STUDENT,
            author_id=event.recorded_by_id,
            link=url_for("jobs.application", application_id=event.application_id),
        ))
    referrals = db.session.execute(
        select(Referral.created_at, Referral.note, Referral.mentor_id, Referral.posting_id, JobPosting.title,
               User.display_name.label("mentor_name"))
        .join(JobPosting, JobPosting.id == Referral.posting_id)
        .outerjoin(User, User.id == Referral.mentor_id)
        .where(Referral.student_id == student.id).order_by(Referral.id)
    )
    for referral in referrals:
        entries.append(archive.ArchiveEntry(
            at=referral.created_at,
            kind="job_referral",
            title=_("%(mentor)s referred the post %(title)s", mentor=referral.mentor_name or "—",
                    title=referral.title),
            detail=referral.note,
            audience=archive.STUDENT,
            author_id=referral.mentor_id,
            link=url_for("jobs.posting", posting_id=referral.posting_id),
        ))
    return entries
