"""What students tell the matching and hear from it: their recommendations with what they did with them
(shown, viewed, not interested), the licences they hold; and the office's view of it, match quality
and the scoring weights."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from portal import audit, settings
from portal.cache import cached
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import matching, vocab
from portal.jobs.models import JobPosting, MatchFeedback, Recommendation, SavedPosting, StudentLicence
from portal.jobs.search import LIST_COLUMNS
from portal.models_base import utcnow
from portal.students.models import Student


# --- recommendations and feedback -----------------------------------------------------------------

def recommendations_for(student: Student, *, with_saved: bool = False) -> list:
    """The stored recommendations, best first (one query): each a row of the recommendation's rank, score,
    reason_bits, discovery and computed_at, and its posting's LIST_COLUMNS (`id` is the posting's).
    with_saved adds `saved`, whether the student saved the posting, and `shown`, whether it was shown
    to them before (record_shown)."""
    columns = [Recommendation.rank, Recommendation.score, Recommendation.reason_bits, Recommendation.discovery,
               Recommendation.computed_at, *LIST_COLUMNS]
    if with_saved:
        columns.append(exists().where(SavedPosting.student_id == student.id, SavedPosting.posting_id == JobPosting.id)
                       .label("saved"))
        columns.append(exists().where(MatchFeedback.student_id == student.id, MatchFeedback.posting_id == JobPosting.id)
                       .label("shown"))
    return db.session.execute(
        select(*columns).join(JobPosting, JobPosting.id == Recommendation.posting_id)
        .where(Recommendation.student_id == student.id).order_by(Recommendation.rank)
    ).all()


def record_shown(student: Student) -> None:
    """Counts the stored recommendations as shown, once each (one statement)."""
    shown = (
        select(Recommendation.student_id, Recommendation.posting_id, literal(utcnow(), type_=MatchFeedback.shown_at.type),
               Recommendation.score)
        .where(Recommendation.student_id == student.id)
        .where(~exists().where(MatchFeedback.student_id == Recommendation.student_id,
                               MatchFeedback.posting_id == Recommendation.posting_id))
    )
    db.session.execute(insert(MatchFeedback).from_select(["student_id", "posting_id", "shown_at", "score"], shown))


def record_viewed(student: Student, posting: JobPosting) -> None:
    db.session.execute(
        update(MatchFeedback).where(MatchFeedback.student_id == student.id, MatchFeedback.posting_id == posting.id,
                                    MatchFeedback.viewed_at.is_(None)).values(viewed_at=utcnow())
    )


def dismiss(student: Student, posting: JobPosting, *, reason: str, note: str = "") -> MatchFeedback:
    """"Not interested": the posting is not recommended to this student again."""
    if reason not in vocab.DISMISS_REASONS:
        raise RuleViolation(_("Choose why this post does not interest you."), field="reason")
    note = (note or "").strip()
    if len(note) > 500:
        raise RuleViolation(_("At most %(n)d characters.", n=500), field="note")
    feedback = db.session.get(MatchFeedback, (student.id, posting.id))
    if feedback is None:
        feedback = MatchFeedback(student_id=student.id, posting_id=posting.id, shown_at=utcnow())
        db.session.add(feedback)
    feedback.dismissed_at = utcnow()
    feedback.dismiss_reason = reason
    feedback.dismiss_note = note or None
    db.session.execute(delete(Recommendation).where(Recommendation.student_id == student.id,
                                                    Recommendation.posting_id == posting.id))
    db.session.flush()
    return feedback


def dismissed_for(student: Student) -> list[MatchFeedback]:
    return list(db.session.scalars(
        select(MatchFeedback).options(joinedload(MatchFeedback.posting))
        .where(MatchFeedback.student_id == student.id, MatchFeedback.dismissed_at.is_not(None))
        .order_by(MatchFeedback.dismissed_at.desc())
    ))


def refresh_student(student: Student) -> matching.BatchResult:
    return matching.compute(student_ids=[student.id], today=local_today())


# --- licences -----------------------------------------------------------------------------------

def licences_of(student: Student) -> list[StudentLicence]:
    return list(db.session.scalars(select(StudentLicence).where(StudentLicence.student_id == student.id)
                                   .order_by(StudentLicence.id)))


def add_licence(student: Student, licence: str, *, obtained_on: date | None = None) -> StudentLicence:
    if licence not in vocab.LICENCES:
        raise RuleViolation(_("Choose one of the listed values."), field="licence")
    if obtained_on is not None and obtained_on > local_today():
        raise RuleViolation(_("The date cannot be in the future."), field="obtained_on")
    existing = db.session.scalar(select(StudentLicence).where(StudentLicence.student_id == student.id,
                                                              StudentLicence.licence == licence))
    if existing is not None:
        raise RuleViolation(_("This licence is already recorded."), field="licence", status=409)
    row = StudentLicence(student_id=student.id, licence=licence, obtained_on=obtained_on)
    db.session.add(row)
    db.session.flush()
    return row


def remove_licence(licence: StudentLicence) -> None:
    db.session.delete(licence)
    db.session.flush()


# --- match quality and weights -------------------------------------------------------------------

def match_quality(*, by: str = "major") -> dict:
    """The funnel shown → viewed → saved → applied and the not-interested reasons, by college and major.

    Both are read from the whole feedback table (several milliseconds at 20,000 students), so the
    figures are kept until the feedback or the students change."""
    return cached("jobs.match_quality", lambda: _match_quality(by),
                  tables=(MatchFeedback.__tablename__, Student.__tablename__), args=(by,))


def _match_quality(by: str) -> dict:
    keys = [Student.college, Student.major] if by == "major" else [Student.college]
    # one pass: counts per group and reason, summed per group below
    grouped = db.session.execute(
        select(*keys, MatchFeedback.dismiss_reason, func.count(), func.count(MatchFeedback.viewed_at),
               func.count(MatchFeedback.saved_at), func.count(MatchFeedback.applied_at),
               func.count(MatchFeedback.dismissed_at))
        .join(Student, Student.id == MatchFeedback.student_id)
        .group_by(*keys, MatchFeedback.dismiss_reason).order_by(*keys)
    ).all()
    names = ("shown", "viewed", "saved", "applied", "dismissed")
    by_key: dict[tuple, dict] = {}
    for row in grouped:
        key = tuple(row[:len(keys)])
        reason = row[len(keys)]
        counts = row[len(keys) + 1:]
        entry = by_key.setdefault(key, {"counts": dict.fromkeys(names, 0), "reasons": {}})
        for name, value in zip(names, counts):
            entry["counts"][name] += value
        if counts[4]:  # dismissed with this reason
            entry["reasons"][reason] = entry["reasons"].get(reason, 0) + counts[4]
    rows = []
    totals = dict.fromkeys(names, 0)
    total_reasons: dict[str, int] = {}
    for key, entry in by_key.items():  # in the database's order of the groups
        for name, value in entry["counts"].items():
            totals[name] += value
        for reason, n in entry["reasons"].items():
            total_reasons[reason] = total_reasons.get(reason, 0) + n
        rows.append({"college": key[0], "major": key[1] if by == "major" else "", **entry["counts"],
                     "reasons": entry["reasons"]})
    return {"rows": rows, "totals": totals, "reasons": total_reasons}


def set_weights(values: dict, *, per_student: int, discovery_slots: int, actor) -> None:
    cleaned = {}
    for key in matching.DEFAULT_WEIGHTS:
        value = values.get(key)
        if not isinstance(value, int) or not 0 <= value <= matching.WEIGHT_MAX:
            raise RuleViolation(_("Each weight is a whole number from 0 to %(n)d.", n=matching.WEIGHT_MAX), field=key)
        cleaned[key] = value
    if not 1 <= per_student <= 50:
        raise RuleViolation(_("Between 1 and 50 recommendations per student."), field="per_student")
    if not 0 <= discovery_slots <= per_student // 2:
        raise RuleViolation(_("At most half of the recommendations can be surfaced posts."), field="discovery_slots")
    settings.put("jobs.weights", cleaned, actor=actor)
    settings.put("jobs.per_student", per_student, actor=actor)
    settings.put("jobs.discovery_slots", discovery_slots, actor=actor)
    audit.record(actor, "jobs.weights_changed", None, target_type="setting", target_id="jobs.weights",
                 detail=" ".join(f"{k}={v}" for k, v in cleaned.items()) + f" per_student={per_student} discovery={discovery_slots}")
