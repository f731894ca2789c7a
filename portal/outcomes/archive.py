"""The outcomes' entries in the student's archive: destinations recorded, follow-up calls (for staff)
and the feedback the student gave."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.i18n import gettext as _
from portal.outcomes import categories as cat
from portal.outcomes.destinations import link
from portal.outcomes.follow_ups import FOLLOW_UP_RESULT_LABELS
from portal.outcomes.models import Destination, Feedback, FollowUp
from portal.students import archive


@archive.provider
def _archive_entries(student, viewer, *, for_student: bool) -> list[archive.ArchiveEntry]:
    # only the columns an entry shows (see portal.students.archive)
    entries = []
    destination_link = link("outcomes.student_destination", student_id=student.id)
    for row in db.session.execute(
        select(Destination.recorded_at, Destination.category, Destination.employer, Destination.province,
               Destination.city, Destination.country, Destination.recorded_by_id)
        .where(Destination.student_id == student.id).order_by(Destination.id)
    ):
        detail = " · ".join(x for x in (row.employer, row.province, row.city, row.country) if x)
        entries.append(archive.ArchiveEntry(
            at=row.recorded_at, kind="destination",
            title=_("Destination recorded: %(category)s", category=cat.category_label(row.category)),
            detail=detail, audience=archive.STUDENT, author_id=row.recorded_by_id,
            link=destination_link,
        ))
    if not for_student:
        for row in db.session.execute(
            select(FollowUp.occurred_at, FollowUp.result, FollowUp.notes, FollowUp.author_id)
            .where(FollowUp.student_id == student.id).order_by(FollowUp.id)
        ):
            entries.append(archive.ArchiveEntry(
                at=row.occurred_at, kind="follow_up",
                title=_("Follow-up: %(result)s", result=FOLLOW_UP_RESULT_LABELS.get(row.result, row.result)),
                detail=row.notes or "", audience=archive.MENTORS, author_id=row.author_id,
            ))
    for row in db.session.execute(
        select(Feedback.updated_at, Feedback.rating, Feedback.comment)
        .where(Feedback.student_id == student.id).order_by(Feedback.id)
    ):
        entries.append(archive.ArchiveEntry(
            at=row.updated_at, kind="feedback",
            title=_("Feedback given: %(rating)d of 5", rating=row.rating),
            detail=row.comment or "", audience=archive.STUDENT,
        ))
    return entries
