"""The review of resumes: submitted versions, mentors' comment threads on them, completing a review,
and the queue of versions waiting for one."""
from __future__ import annotations

import re

from flask import has_request_context, url_for
from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import Role
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind, notify
from portal.resumes import sections as S
from portal.resumes.documents import document_of
from portal.resumes.editing import clean_text, editable
from portal.resumes.models import Resume, ResumeComment, ResumeStatus, ResumeVersion, VersionStatus
from portal.sanitize import clean_html, plain_to_html
from portal.students.access import caseload_student_ids, mentor_ids_of
from portal.students.models import Student

MAX_NOTE = 1000
MAX_COMMENT = 5000
MAX_SUMMARY = 5000

SUBMITTED = kind("resume.submitted", _l("%(student)s submitted the resume “%(title)s” for review."))
REVIEWED = kind("resume.reviewed", _l("Your mentor %(mentor)s reviewed your resume “%(title)s”."))
REVIEW_LOGGED = kind(
    "resume.review_logged",
    _l("Your review of %(student)s's resume “%(title)s” is complete and was logged as resume coaching."),
)
REPLIED = kind("resume.comment_reply", _l("%(author)s replied to a comment on the resume “%(title)s”."))


# --- comment threads ----------------------------------------------------------------------------

def threads_of(resume: Resume | int) -> list[ResumeComment]:
    """Every comment thread on the resume (all versions), replies and authors loaded; oldest first."""
    resume_id = resume if isinstance(resume, int) else resume.id
    # threads and replies in one query (a reply has its thread's resume), the replies then handed to
    # their threads, instead of a second query to load them
    comments = db.session.scalars(
        select(ResumeComment)
        .where(ResumeComment.resume_id == resume_id)
        .options(
            joinedload(ResumeComment.author),
            joinedload(ResumeComment.version).load_only(ResumeVersion.id, ResumeVersion.number),
        )
        .order_by(ResumeComment.id)  # the replies' order too (Comment.replies is ordered by id)
    ).all()
    replies: dict[int, list[ResumeComment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        if "replies" not in comment.__dict__:  # never overwrite a collection the session already holds
            set_committed_value(comment, "replies", replies.get(comment.id, []))
    return [comment for comment in comments if comment.parent_id is None]


def group_threads(threads: list[ResumeComment], item_ids: dict[str, set]) -> dict[tuple[str, int | None], list[ResumeComment]]:
    """Threads by what they are about: (section, item id or None), open ones first. A thread about an
    entry that is no longer in the document goes with its section (it keeps the entry's label)."""
    grouped: dict[tuple[str, int | None], list[ResumeComment]] = {}
    for thread in sorted(threads, key=lambda c: (not c.is_open, c.id)):
        item_id = thread.item_id if thread.item_id in item_ids.get(thread.section, ()) else None
        grouped.setdefault((thread.section, item_id), []).append(thread)
    return grouped


# --- versions and comments ----------------------------------------------------------------------

def latest_version(resume: Resume | int) -> ResumeVersion | None:
    resume_id = resume if isinstance(resume, int) else resume.id
    return db.session.scalar(
        select(ResumeVersion).where(ResumeVersion.resume_id == resume_id).order_by(ResumeVersion.number.desc()).limit(1)
    )


def _link(endpoint: str, **values) -> str | None:
    return url_for(endpoint, **values) if has_request_context() else None


def submit(resume: Resume, *, actor, note: str = "") -> ResumeVersion:
    """Take a snapshot for the student's mentors to review. A waiting older version is superseded
    and the student keeps their place in the queue."""
    editable(resume)
    note = clean_text(note, max_length=MAX_NOTE, multiline=True)
    if not (resume.basics or {}).get("full_name"):
        raise RuleViolation(_("Fill in your name in the basic information before submitting."), field="full_name")
    now = utcnow()
    previous = latest_version(resume)
    waiting_since = now
    if previous is not None and previous.status == VersionStatus.WAITING:
        waiting_since = previous.waiting_since
        previous.status = VersionStatus.SUPERSEDED
    version = ResumeVersion(
        resume_id=resume.id, student_id=resume.student_id, number=(previous.number + 1) if previous else 1,
        content=document_of(resume), note=note, status=VersionStatus.WAITING, submitted_at=now,
        submitted_by_id=getattr(actor, "id", None), waiting_since=waiting_since,
    )
    db.session.add(version)
    resume.status = ResumeStatus.WAITING
    try:
        db.session.flush()
    except IntegrityError:
        raise RuleViolation(_("This resume was submitted at the same moment from elsewhere. Reload the page."), status=409) from None
    student_name = resume.student.user.display_name
    for mentor_id in mentor_ids_of(resume.student_id):
        notify(mentor_id, SUBMITTED, link=_link("resumes.version", version_id=version.id),
               student=student_name, title=resume.title)
    return version


def _snapshot_item(version: ResumeVersion, section: str, item_id: int) -> dict | None:
    for item in (version.content.get("sections") or {}).get(section, []):
        if item.get("id") == item_id:
            return item["data"]
    return None


def _rich(body: str, *, max_length: int) -> str:
    """Rich text from a textarea: plain text becomes paragraphs; HTML goes through the sanitizer."""
    body = (body or "").strip()
    if len(body) > max_length:
        raise RuleViolation(_("This text is too long: at most %(n)d characters.", n=max_length), field="body")
    cleaned = clean_html(body) if "<" in body else plain_to_html(body)
    if not re.sub(r"<[^>]+>|\s|&nbsp;", "", cleaned):
        raise RuleViolation(_("Write something first."), field="body")
    return cleaned


def add_comment(version: ResumeVersion, *, author, section: str, item_id: int | None, body: str) -> ResumeComment:
    """A mentor's comment on a section, or on one item of a section, of a submitted version."""
    if version.status == VersionStatus.SUPERSEDED:
        raise RuleViolation(_("A newer version of this resume was submitted: comment on that one."), status=409)
    if section not in S.SECTIONS:
        raise RuleViolation(_("There is no such section."), field="section")
    label = ""
    if item_id is not None:
        data = _snapshot_item(version, section, item_id) if section in S.LIST_SECTIONS else None
        if data is None:
            raise RuleViolation(_("This entry is not part of the version."), field="item_id")
        label = S.anchor_label(section, data, version.content.get("language", "zh"))
    comment = ResumeComment(resume_id=version.resume_id, version_id=version.id, section=section, item_id=item_id,
                            anchor_label=label, author_id=author.id, body=_rich(body, max_length=MAX_COMMENT))
    db.session.add(comment)
    db.session.flush()
    return comment


def reply(thread: ResumeComment, *, author, body: str) -> ResumeComment:
    if thread.parent_id is not None:
        raise RuleViolation(_("Reply to the thread's first comment."))
    answer = ResumeComment(resume_id=thread.resume_id, version_id=thread.version_id, parent_id=thread.id,
                           section=thread.section, item_id=thread.item_id, anchor_label=thread.anchor_label,
                           author_id=author.id, body=_rich(body, max_length=MAX_COMMENT))
    db.session.add(answer)
    thread.replies.append(answer)
    db.session.flush()
    resume = db.session.get(Resume, thread.resume_id)
    participants = {thread.author_id, resume.student.user_id} | {r.author_id for r in thread.replies}
    for user_id in participants - {author.id, None}:
        notify(user_id, REPLIED, link=_thread_link(thread, user_id == resume.student.user_id),
               author=author.display_name, title=resume.title)
    return answer


def _thread_link(thread: ResumeComment, for_owner: bool) -> str | None:
    if not has_request_context():
        return None
    if for_owner:
        return url_for("resumes.edit", resume_id=thread.resume_id, _anchor=f"thread-{thread.id}")
    return url_for("resumes.version", version_id=thread.version_id, _anchor=f"thread-{thread.id}")


def resolve(thread: ResumeComment, *, actor) -> ResumeComment:
    if thread.resolved_at is None:
        thread.resolved_at = utcnow()
        thread.resolved_by_id = actor.id
        db.session.flush()
    return thread


def reopen(thread: ResumeComment, *, actor) -> ResumeComment:
    thread.resolved_at = None
    thread.resolved_by_id = None
    db.session.flush()
    return thread


def complete_review(version: ResumeVersion, *, mentor, summary: str, minutes: int | None = None) -> ResumeVersion:
    """Close the review of a waiting version: log it as resume coaching and tell the student.

    The status changes with a conditional UPDATE, so two mentors finishing at once log one review.
    """
    from portal.students.services import log_intervention

    summary_html = _rich(summary, max_length=MAX_SUMMARY)
    now = utcnow()
    changed = db.session.execute(
        update(ResumeVersion)
        .where(ResumeVersion.id == version.id, ResumeVersion.status == VersionStatus.WAITING)
        .values(status=VersionStatus.REVIEWED, reviewed_at=now, reviewed_by_id=mentor.id, review_summary=summary_html)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise RuleViolation(_("This version is no longer waiting for review: it was reviewed or replaced."), status=409)
    db.session.refresh(version)
    resume = version.resume
    if latest_version(resume).id == version.id:
        resume.status = ResumeStatus.REVIEWED
    counts = db.session.execute(
        select(func.count(ResumeComment.id), func.count(ResumeComment.resolved_at))
        .where(ResumeComment.version_id == version.id, ResumeComment.parent_id.is_(None))
    ).one()
    notes = summary_html + plain_to_html(_(
        "Resume “%(title)s”, version %(number)d: %(comments)d comments, %(open)d still open.",
        title=resume.title, number=version.number, comments=counts[0], open=counts[0] - counts[1],
    ))
    log_intervention(resume.student_id, author=mentor, type="resume_coaching", channel="online",
                     duration_minutes=minutes, notes=notes, visibility="student", source="resume_review",
                     source_id=version.id)
    student_name = resume.student.user.display_name
    notify(resume.student.user_id, REVIEWED, link=_link("resumes.edit", resume_id=resume.id),
           dedupe_key=f"resume.reviewed:{version.id}", mentor=mentor.display_name, title=resume.title)
    notify(mentor.id, REVIEW_LOGGED, link=_link("resumes.version", version_id=version.id),
           dedupe_key=f"resume.review_logged:{version.id}", student=student_name, title=resume.title)
    db.session.flush()
    return version


def review_queue(viewer) -> Select:
    """Versions waiting for review, oldest first: a mentor's caseload, or everyone's for an admin."""
    stmt = (
        select(ResumeVersion)
        .where(ResumeVersion.status == VersionStatus.WAITING)
        .options(
            defer(ResumeVersion.content), defer(ResumeVersion.review_summary),
            joinedload(ResumeVersion.resume).load_only(Resume.id, Resume.title, Resume.language),
            joinedload(ResumeVersion.student).load_only(Student.id, Student.student_no, Student.major, Student.college)
            .joinedload(Student.user),
        )
        .order_by(ResumeVersion.waiting_since, ResumeVersion.id)
    )
    if viewer.role != Role.ADMIN:
        stmt = stmt.where(ResumeVersion.student_id.in_(caseload_student_ids(viewer)))
    return stmt


def recently_reviewed_by(mentor, *, limit: int = 10) -> list[ResumeVersion]:
    return list(db.session.scalars(
        select(ResumeVersion)
        .where(ResumeVersion.reviewed_by_id == mentor.id)
        .options(
            defer(ResumeVersion.content), defer(ResumeVersion.review_summary),
            joinedload(ResumeVersion.resume).load_only(Resume.id, Resume.title),
            joinedload(ResumeVersion.student).load_only(Student.id).joinedload(Student.user),
        )
        .order_by(ResumeVersion.reviewed_at.desc()).limit(limit)
    ))
