"""A student's saved postings with their deadline reminders, and applications through their stages."""
from __future__ import annotations

from datetime import date, timedelta

from flask import url_for
from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.jobs import vocab
from portal.jobs.models import Application, ApplicationEvent, JobPosting, MatchFeedback, Recommendation, SavedPosting
from portal.jobs.postings import URL
from portal.models_base import utcnow
from portal.notifications import kind, notify
from portal.students.models import Student

DEADLINE = kind("jobs.deadline", _l("The post %(title)s that you saved closes on %(date)s."))


# --- saved postings -----------------------------------------------------------------------------

def saved_ids(student: Student, posting_ids=None) -> set[int]:
    stmt = select(SavedPosting.posting_id).where(SavedPosting.student_id == student.id)
    if posting_ids is not None:
        stmt = stmt.where(SavedPosting.posting_id.in_(list(posting_ids)))
    return set(db.session.scalars(stmt))


def save(student: Student, posting: JobPosting) -> bool:
    """Saves a posting for the student; True when it was not saved yet. Safe to repeat."""
    if posting.status != "published":
        raise RuleViolation(_("Only published postings can be saved."), status=409)
    if db.session.get(SavedPosting, (student.id, posting.id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(SavedPosting(student_id=student.id, posting_id=posting.id))
    except IntegrityError:  # a second click that raced the first
        return False
    db.session.execute(
        update(MatchFeedback).where(MatchFeedback.student_id == student.id, MatchFeedback.posting_id == posting.id,
                                    MatchFeedback.saved_at.is_(None)).values(saved_at=utcnow())
    )
    return True


def unsave(student: Student, posting: JobPosting) -> None:
    db.session.execute(delete(SavedPosting).where(SavedPosting.student_id == student.id, SavedPosting.posting_id == posting.id))


def saved_postings(student: Student) -> list[SavedPosting]:
    return list(db.session.scalars(
        select(SavedPosting).options(joinedload(SavedPosting.posting))
        .where(SavedPosting.student_id == student.id)
        .join(JobPosting, JobPosting.id == SavedPosting.posting_id)
        .order_by(JobPosting.deadline.is_(None), JobPosting.deadline, SavedPosting.saved_at.desc())
    ))


# --- deadline reminders -------------------------------------------------------------------------

def remind_deadlines(*, days: int = 3, today: date | None = None) -> int:
    """Notifies students of saved postings that close within `days` days and that they have not applied
    to; once per posting and student. Returns the number of reminders left."""
    today = today or local_today()
    rows = db.session.execute(
        select(SavedPosting.student_id, SavedPosting.posting_id, Student.user_id, JobPosting.title, JobPosting.deadline)
        .join(Student, Student.id == SavedPosting.student_id)
        .join(JobPosting, JobPosting.id == SavedPosting.posting_id)
        .where(JobPosting.status == "published", JobPosting.deadline.is_not(None),
               JobPosting.deadline >= today, JobPosting.deadline <= today + timedelta(days=days))
        .where(~exists().where(and_(Application.student_id == SavedPosting.student_id,
                                    Application.posting_id == SavedPosting.posting_id)))
        .order_by(SavedPosting.student_id, SavedPosting.posting_id)
    ).all()
    from portal.notifications.models import Notification

    keys = {f"jobs.deadline:{r.student_id}:{r.posting_id}": r for r in rows}
    sent_before: set[str] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        sent_before.update(db.session.scalars(select(Notification.dedupe_key)
                                              .where(Notification.dedupe_key.in_(key_list[start:start + 500]))))
    count = 0
    for key, r in keys.items():
        if key in sent_before:
            continue
        if notify(r.user_id, DEADLINE, link=url_for("jobs.posting", posting_id=r.posting_id), dedupe_key=key,
                  title=r.title, date=r.deadline.isoformat()) is not None:
            count += 1
    db.session.flush()
    return count


# --- applications -------------------------------------------------------------------------------

def _check_stage_date(on: date | None, *, after: date | None = None) -> date:
    today = local_today()
    if on is None:
        raise RuleViolation(_("Enter the date."), field="on")
    if on > today + timedelta(days=366):
        raise RuleViolation(_("The date is more than a year ahead."), field="on")
    if on < today - timedelta(days=3 * 366):
        raise RuleViolation(_("The date is more than three years ago."), field="on")
    if after is not None and on < after:
        raise RuleViolation(_("The date cannot be before the previous stage (%(date)s).", date=after.isoformat()), field="on")
    return on


def apply(student: Student, *, posting: JobPosting | None = None, employer: str = "", title: str = "",
          source_url: str = "", on: date | None = None, notes: str = "", actor=None) -> Application:
    """Starts tracking an application, to a curated posting or to a post found elsewhere."""
    on = _check_stage_date(on or local_today())
    if on > local_today():
        raise RuleViolation(_("An application cannot be sent in the future."), field="on")
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise RuleViolation(_("At most %(n)d characters.", n=2000), field="notes")
    if posting is not None:
        if posting.status == "draft":
            raise RuleViolation(_("This posting is not published."), status=409)
        if db.session.scalar(select(Application.id).where(Application.student_id == student.id,
                                                          Application.posting_id == posting.id)):
            raise RuleViolation(_("You are already tracking an application to this posting."), status=409)
        employer, title, source_url = posting.employer, posting.title, posting.source_url
    else:
        employer, title, source_url = (employer or "").strip(), (title or "").strip(), (source_url or "").strip()
        if not employer:
            raise RuleViolation(_("This field is required."), field="employer")
        if not title:
            raise RuleViolation(_("This field is required."), field="title")
        if len(employer) > 200 or len(title) > 200:
            raise RuleViolation(_("At most %(n)d characters.", n=200), field="title")
        if source_url and (not URL.match(source_url) or len(source_url) > 500):
            raise RuleViolation(_("Enter a web address starting with http:// or https://."), field="source_url")
    application = Application(student_id=student.id, posting_id=getattr(posting, "id", None), employer=employer,
                              title=title, source_url=source_url, stage="submitted", stage_on=on, notes=notes)
    db.session.add(application)
    db.session.flush()
    db.session.add(ApplicationEvent(application_id=application.id, student_id=student.id, stage="submitted",
                                    stage_on=on, recorded_by_id=getattr(actor, "id", None)))
    if posting is not None:
        db.session.execute(
            update(MatchFeedback).where(MatchFeedback.student_id == student.id, MatchFeedback.posting_id == posting.id,
                                        MatchFeedback.applied_at.is_(None)).values(applied_at=utcnow())
        )
        db.session.execute(delete(Recommendation).where(Recommendation.student_id == student.id,
                                                        Recommendation.posting_id == posting.id))
    db.session.flush()
    return application


def allowed_stages(application: Application) -> list[str]:
    """The stages an application can move to next."""
    if application.stage in vocab.FINAL_STAGES:
        return []
    current = vocab.STAGE_ORDER[application.stage]
    forward = [s for s, order in vocab.STAGE_ORDER.items() if order > current]
    return forward + ["rejected", "withdrawn"]


def advance(application: Application, *, stage: str, on: date | None, note: str = "", actor) -> ApplicationEvent:
    """Moves an application to a later stage; the change enters the student's archive."""
    if application.stage in vocab.FINAL_STAGES:
        raise RuleViolation(_("This application has ended (%(stage)s); it cannot change.",
                              stage=vocab.label(vocab.APPLICATION_STAGES, application.stage)), status=409)
    if stage not in allowed_stages(application):
        raise RuleViolation(_("An application cannot go from %(old)s to %(new)s.",
                              old=vocab.label(vocab.APPLICATION_STAGES, application.stage),
                              new=vocab.label(vocab.APPLICATION_STAGES, stage)), field="stage")
    on = _check_stage_date(on, after=application.stage_on)
    note = (note or "").strip()
    if len(note) > 1000:
        raise RuleViolation(_("At most %(n)d characters.", n=1000), field="note")
    # the stage moves only if nobody moved it meanwhile (two tabs, two clicks)
    moved = db.session.execute(
        update(Application).where(Application.id == application.id, Application.stage == application.stage)
        .values(stage=stage, stage_on=on, updated_at=utcnow())
    ).rowcount
    if not moved:
        raise RuleViolation(_("This application was changed meanwhile; reload the page."), status=409)
    event = ApplicationEvent(application_id=application.id, student_id=application.student_id, stage=stage,
                             stage_on=on, note=note, recorded_by_id=getattr(actor, "id", None))
    db.session.add(event)
    db.session.flush()
    db.session.refresh(application)
    return event


def applications_for(student: Student) -> list[Application]:
    return list(db.session.scalars(
        select(Application).options(joinedload(Application.posting))
        .where(Application.student_id == student.id).order_by(Application.updated_at.desc(), Application.id.desc())
    ))


def applied_ids(student: Student) -> dict[int, Application]:
    return {a.posting_id: a for a in db.session.scalars(
        select(Application).where(Application.student_id == student.id, Application.posting_id.is_not(None)))}
