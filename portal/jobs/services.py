"""The rules of the jobs feature: curating postings, recommendations and their feedback, saved
postings, mentors' referrals, applications through their stages, deadline reminders."""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, settings
from portal.extensions import db
from portal.rows import rows as plain_rows
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.jobs import matching, vocab
from portal.jobs.models import (
    Application,
    ApplicationEvent,
    JobPosting,
    MatchFeedback,
    PostingMajor,
    Recommendation,
    Referral,
    SavedPosting,
    StudentLicence,
)
from portal.kept import Kept
from portal.models_base import utcnow
from portal.notifications import kind, notify
from portal.sanitize import clean_html
from portal.students.models import MentorAssignment, Student

REFERRED = kind("jobs.referred", _l("%(mentor)s recommends the post %(title)s to you."))
DEADLINE = kind("jobs.deadline", _l("The post %(title)s that you saved closes on %(date)s."))

SALARY_CEILING = 1_000_000  # yuan per month: anything above is a typing mistake
MAX_OPENINGS = 10_000
MAX_MAJORS = 30
HOSTILE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|link|meta|form|svg|math|base)\b"
    r"|\son[a-z]+\s*="
    r"|(javascript|vbscript|data)\s*:"
    r"|\sstyle\s*=",
    re.IGNORECASE,
)
URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
MAJOR_SPLIT = re.compile(r"[、,，;；/|\n]+")


class JobsError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


from portal.clock import local_today  # noqa: E402,F401  (the office's date, used across jobs)

# --- postings -----------------------------------------------------------------------------------

POSTING_FIELDS = (
    "title", "employer", "unit_nature", "hospital_level", "grassroots_type", "emerging_field", "province", "city",
    "post_type", "majors", "min_degree", "licence_required", "openings", "salary_min", "salary_max", "deadline",
    "description", "source_url", "status",
)


def split_majors(value) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else MAJOR_SPLIT.split(str(value))
    seen: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in seen and name not in ("不限", "any", "Any"):
            seen.append(name)
    return seen


def _int_or_none(value, field, errors):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append((field, _("Enter a whole number.")))
        return None
    if number != int(number):
        errors.append((field, _("Enter a whole number.")))
        return None
    return int(number)


def _date_or_none(value, field, errors):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = DATE.match(str(value).strip())
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    errors.append((field, _("Enter a date as YYYY-MM-DD.")))
    return None


def is_hostile(html: str | None) -> bool:
    return bool(html and HOSTILE.search(html))


def clean_posting(data: dict, *, existing: JobPosting | None = None, today: date | None = None):
    """Checks a posting's fields. Returns (values, errors) where errors is [(field, message)]."""
    today = today or local_today()
    errors: list[tuple[str, str]] = []
    values: dict = {}

    def text(name, limit, required=False):
        value = ("" if data.get(name) is None else str(data.get(name))).strip()
        if required and not value:
            errors.append((name, _("This field is required.")))
        elif len(value) > limit:
            errors.append((name, _("At most %(n)d characters.", n=limit)))
        values[name] = value[:limit]

    text("title", 200, required=True)
    text("employer", 200, required=True)
    text("city", 64)

    def code(name, kind_name, required=False):
        value = vocab.parse_code(kind_name, data.get(name))
        if value is None or (required and not value):
            errors.append((name, _("Choose one of the listed values.")))
            value = ""
        values[name] = value

    code("unit_nature", "unit_nature", required=True)
    code("hospital_level", "hospital_level")
    code("grassroots_type", "grassroots_type")
    code("emerging_field", "emerging_field")
    code("post_type", "post_type", required=True)
    code("min_degree", "min_degree", required=True)
    code("licence_required", "licence")
    values["grassroots"] = bool(values["grassroots_type"])
    if values["grassroots"] and values["hospital_level"] in ("3a", "3b", "3"):
        errors.append(("grassroots_type", _("A tertiary hospital is not a grassroots unit.")))

    province = vocab.province(data.get("province"))
    if province is None:
        errors.append(("province", _("Choose a province.")))
    values["province"] = province or ""

    majors = split_majors(data.get("majors"))
    if len(majors) > MAX_MAJORS:
        errors.append(("majors", _("At most %(n)d majors.", n=MAX_MAJORS)))
    if any(len(m) > 100 for m in majors):
        errors.append(("majors", _("A major's name has at most 100 characters.")))
    values["majors"] = majors[:MAX_MAJORS]
    values["any_major"] = not majors

    openings = _int_or_none(data.get("openings"), "openings", errors)
    if openings is None and not any(f == "openings" for f, _m in errors):
        openings = 1
    if openings is not None and not 1 <= openings <= MAX_OPENINGS:
        errors.append(("openings", _("Between 1 and %(n)d openings.", n=MAX_OPENINGS)))
    values["openings"] = openings or 1

    low = _int_or_none(data.get("salary_min"), "salary_min", errors)
    high = _int_or_none(data.get("salary_max"), "salary_max", errors)
    for name, amount in (("salary_min", low), ("salary_max", high)):
        if amount is not None and not 0 < amount <= SALARY_CEILING:
            errors.append((name, _("A monthly salary between 1 and %(n)d yuan.", n=SALARY_CEILING)))
    if low is not None and high is not None and low > high:
        errors.append(("salary_max", _("The highest salary (%(high)d) is below the lowest (%(low)d).", high=high, low=low)))
    values["salary_min"], values["salary_max"] = low, high

    deadline = _date_or_none(data.get("deadline"), "deadline", errors)
    changed = existing is None or existing.deadline != deadline
    if deadline is not None and deadline < today and changed:
        errors.append(("deadline", _("The deadline %(date)s has already passed.", date=deadline.isoformat())))
    values["deadline"] = deadline

    description = data.get("description") or ""
    if is_hostile(description):
        errors.append(("description", _(
            "The description contains scripts, styles or active links, which are not allowed. "
            "Remove them and save again.")))
    elif len(description) > 20000:
        errors.append(("description", _("At most %(n)d characters.", n=20000)))
    values["description"] = clean_html(description) if description.strip() else ""

    source_url = ("" if data.get("source_url") is None else str(data.get("source_url"))).strip()
    if source_url and (not URL.match(source_url) or len(source_url) > 500):
        errors.append(("source_url", _("Enter a web address starting with http:// or https://.")))
    values["source_url"] = source_url

    status = vocab.parse_code("status", data.get("status") or (existing.status if existing else "draft"))
    if status is None:
        errors.append(("status", _("Choose one of the listed values.")))
        status = "draft"
    values["status"] = status
    return values, errors


def save_posting(posting: JobPosting | None, data: dict, *, actor) -> JobPosting:
    """Creates or updates a posting; raises JobsError (nothing written) when a field is wrong."""
    values, errors = clean_posting(data, existing=posting)
    if errors:
        field, message = errors[0]
        raise JobsError(message, field=field)
    return _apply_posting(posting, values, actor=actor)


def _apply_posting(posting: JobPosting | None, values: dict, *, actor) -> JobPosting:
    majors = values.pop("majors")
    if posting is None:
        posting = JobPosting(created_by_id=getattr(actor, "id", None))
        db.session.add(posting)
    was_published = posting.status == "published"
    for name, value in values.items():
        setattr(posting, name, value)
    if posting.status == "published" and not was_published:
        posting.published_at = utcnow()
    posting.majors = [PostingMajor(major=m, position=i) for i, m in enumerate(majors)]
    db.session.flush()
    forget_known_majors()
    return posting


def set_status(posting: JobPosting, status: str, *, actor) -> JobPosting:
    if status not in vocab.STATUSES:
        raise JobsError(_("Choose one of the listed values."), field="status")
    if status == "published" and posting.deadline is not None and posting.deadline < local_today():
        raise JobsError(_("The deadline %(date)s has already passed; change it before publishing.",
                          date=posting.deadline.isoformat()), field="deadline")
    if status == "published" and posting.status != "published":
        posting.published_at = utcnow()
    posting.status = status
    audit.record(actor, "jobs.posting_status", posting, detail=status)
    db.session.flush()
    return posting


# what a list of postings shows (_posting_facts.html and the majors line), read as plain rows
LIST_COLUMNS = (
    JobPosting.id, JobPosting.title, JobPosting.employer, JobPosting.province, JobPosting.city, JobPosting.post_type,
    JobPosting.hospital_level, JobPosting.grassroots, JobPosting.grassroots_type, JobPosting.emerging_field,
    JobPosting.salary_min, JobPosting.salary_max, JobPosting.deadline, JobPosting.any_major, JobPosting.min_degree,
    JobPosting.licence_required,
)


def search_postings(*, q=None, major=None, province=None, level=None, grassroots=None, post_type=None,
                    deadline_within=None, statuses=("published",), today: date | None = None, columns=None):
    """A select of postings with the browse filters; the newest first, closing soonest first within a day.
    With `columns` (such as LIST_COLUMNS), a select of those columns instead of postings with their majors."""
    today = today or local_today()
    stmt = select(*columns) if columns else select(JobPosting).options(selectinload(JobPosting.majors))
    if statuses:
        stmt = stmt.where(JobPosting.status.in_(statuses))
    if statuses == ("published",):
        stmt = stmt.where(or_(JobPosting.deadline.is_(None), JobPosting.deadline >= today))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(JobPosting.title.ilike(like), JobPosting.employer.ilike(like), JobPosting.city.ilike(like)))
    if major:
        stmt = stmt.where(or_(
            JobPosting.any_major.is_(True),
            exists().where(PostingMajor.posting_id == JobPosting.id, PostingMajor.major == major),
        ))
    if province:
        stmt = stmt.where(JobPosting.province == province)
    if level:
        stmt = stmt.where(JobPosting.hospital_level == level)
    if grassroots == "yes":
        stmt = stmt.where(JobPosting.grassroots.is_(True))
    elif grassroots == "no":
        stmt = stmt.where(JobPosting.grassroots.is_(False))
    if post_type:
        stmt = stmt.where(JobPosting.post_type == post_type)
    if deadline_within:
        stmt = stmt.where(JobPosting.deadline.is_not(None), JobPosting.deadline <= today + timedelta(days=deadline_within))
    order = [JobPosting.deadline.is_(None), JobPosting.deadline, JobPosting.id.desc()] if deadline_within else \
        [JobPosting.id.desc()]
    return stmt.order_by(*order)


def major_names(posting_ids) -> dict[int, list[str]]:
    """The majors each posting lists, in its order (one query); any posting without any reads as []."""
    names: dict[int, list[str]] = defaultdict(list)
    if posting_ids:
        for posting_id, major in db.session.execute(
            select(PostingMajor.posting_id, PostingMajor.major).where(PostingMajor.posting_id.in_(list(posting_ids)))
            .order_by(PostingMajor.posting_id, PostingMajor.position)
        ):
            names[posting_id].append(major)
    return names


def is_open(posting: JobPosting, today: date | None = None) -> bool:
    today = today or local_today()
    return posting.status == "published" and (posting.deadline is None or posting.deadline >= today)


# JOBS_MAJORS_SECONDS: a saved or imported posting's majors drop the list at once; a student's new
# major (a roster import) shows within the time. JOBS_QUALITY_SECONDS: only time renews the figures
# (students' feedback arrives with nearly every jobs page they open).
_MAJORS = Kept("JOBS_MAJORS_SECONDS", 60, lambda: (PostingMajor,))
_QUALITY = Kept("JOBS_QUALITY_SECONDS", 60, tuple)


def known_majors() -> list[str]:
    """Majors to filter by: those of students and of postings.

    Finding the students' majors reads the whole students table (about 2 ms for 20,000 students) on
    every visit of the postings page, for a list that rarely changes; so the list is kept for
    JOBS_MAJORS_SECONDS (60 s). Saving or importing a posting forgets it in this process; other
    processes, and a roster import that brings a new major, show the change within that time."""
    def build() -> list[str]:
        names = set(db.session.scalars(select(Student.major).distinct()))
        names.update(db.session.scalars(select(PostingMajor.major).distinct()))
        return sorted(names)

    return _MAJORS.get((), build)


def major_choices() -> tuple:
    """known_majors() as the filter's choices, "all majors" first: one tuple while the list is kept,
    so its options are written once per language (portal.widgets)."""
    from portal.formutil import choices

    return _MAJORS.get(("choices",), lambda: tuple(choices([("", _l("All majors"))] + [(m, m) for m in known_majors()])))


def forget_known_majors() -> None:
    _MAJORS.drop()


# --- saved postings -----------------------------------------------------------------------------

def saved_ids(student: Student, posting_ids=None) -> set[int]:
    stmt = select(SavedPosting.posting_id).where(SavedPosting.student_id == student.id)
    if posting_ids is not None:
        stmt = stmt.where(SavedPosting.posting_id.in_(list(posting_ids)))
    return set(db.session.scalars(stmt))


def saved_by_user(user_id: int):
    """A column for selects of postings: whether the student account `user_id` saved the posting."""
    student_id = select(Student.id).where(Student.user_id == user_id).scalar_subquery()
    return (exists().where(SavedPosting.student_id == student_id, SavedPosting.posting_id == JobPosting.id)
            .label("saved"))


def save(student: Student, posting: JobPosting) -> bool:
    """Saves a posting for the student; True when it was not saved yet. Safe to repeat."""
    if posting.status != "published":
        raise JobsError(_("Only published postings can be saved."), status=409)
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
        raise JobsError(_("Choose why this post does not interest you."), field="reason")
    note = (note or "").strip()
    if len(note) > 500:
        raise JobsError(_("At most %(n)d characters.", n=500), field="note")
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
        raise JobsError(_("Choose one of the listed values."), field="licence")
    if obtained_on is not None and obtained_on > local_today():
        raise JobsError(_("The date cannot be in the future."), field="obtained_on")
    existing = db.session.scalar(select(StudentLicence).where(StudentLicence.student_id == student.id,
                                                              StudentLicence.licence == licence))
    if existing is not None:
        raise JobsError(_("This licence is already recorded."), field="licence", status=409)
    row = StudentLicence(student_id=student.id, licence=licence, obtained_on=obtained_on)
    db.session.add(row)
    db.session.flush()
    return row


def remove_licence(licence: StudentLicence) -> None:
    db.session.delete(licence)
    db.session.flush()


# --- referrals ----------------------------------------------------------------------------------

def refer(posting: JobPosting, student: Student, *, mentor, note: str = "") -> Referral:
    """A mentor points a posting out to a student: logged as a job-referral intervention, and the
    student is notified."""
    from portal.students.services import log_intervention

    if not is_open(posting):
        raise JobsError(_("This posting is not open, so it cannot be referred."), status=409)
    note = (note or "").strip()
    if len(note) > 1000:
        raise JobsError(_("At most %(n)d characters.", n=1000), field="note")
    if db.session.scalar(select(Referral.id).where(Referral.student_id == student.id, Referral.posting_id == posting.id,
                                                   Referral.mentor_id == mentor.id)):
        raise JobsError(_("You have already referred this posting to this student."), status=409)
    referral = Referral(student_id=student.id, posting_id=posting.id, mentor_id=mentor.id, note=note)
    db.session.add(referral)
    db.session.flush()
    summary = _("Referred the post %(title)s at %(employer)s.", title=posting.title, employer=posting.employer)
    intervention = log_intervention(
        student, author=mentor, type="job_referral", channel="online",
        notes=f"<p>{_escape(summary)}</p>" + (f"<p>{_escape(note)}</p>" if note else ""),
        visibility="student", source="job_referral", source_id=referral.id,
    )
    referral.intervention_id = intervention.id
    notify(student.user_id, REFERRED, link=url_for("jobs.posting", posting_id=posting.id),
           dedupe_key=f"jobs.referred:{referral.id}", mentor=mentor.display_name, title=posting.title)
    db.session.flush()
    return referral


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def referrals_for(student: Student) -> list[Referral]:
    return list(db.session.scalars(
        select(Referral).options(joinedload(Referral.posting), joinedload(Referral.mentor))
        .where(Referral.student_id == student.id).order_by(Referral.created_at.desc())
    ))


# --- applications -------------------------------------------------------------------------------

def _check_stage_date(on: date | None, *, after: date | None = None) -> date:
    today = local_today()
    if on is None:
        raise JobsError(_("Enter the date."), field="on")
    if on > today + timedelta(days=366):
        raise JobsError(_("The date is more than a year ahead."), field="on")
    if on < today - timedelta(days=3 * 366):
        raise JobsError(_("The date is more than three years ago."), field="on")
    if after is not None and on < after:
        raise JobsError(_("The date cannot be before the previous stage (%(date)s).", date=after.isoformat()), field="on")
    return on


def apply(student: Student, *, posting: JobPosting | None = None, employer: str = "", title: str = "",
          source_url: str = "", on: date | None = None, notes: str = "", actor=None) -> Application:
    """Starts tracking an application, to a curated posting or to a post found elsewhere."""
    on = _check_stage_date(on or local_today())
    if on > local_today():
        raise JobsError(_("An application cannot be sent in the future."), field="on")
    notes = (notes or "").strip()
    if len(notes) > 2000:
        raise JobsError(_("At most %(n)d characters.", n=2000), field="notes")
    if posting is not None:
        if posting.status == "draft":
            raise JobsError(_("This posting is not published."), status=409)
        if db.session.scalar(select(Application.id).where(Application.student_id == student.id,
                                                          Application.posting_id == posting.id)):
            raise JobsError(_("You are already tracking an application to this posting."), status=409)
        employer, title, source_url = posting.employer, posting.title, posting.source_url
    else:
        employer, title, source_url = (employer or "").strip(), (title or "").strip(), (source_url or "").strip()
        if not employer:
            raise JobsError(_("This field is required."), field="employer")
        if not title:
            raise JobsError(_("This field is required."), field="title")
        if len(employer) > 200 or len(title) > 200:
            raise JobsError(_("At most %(n)d characters.", n=200), field="title")
        if source_url and (not URL.match(source_url) or len(source_url) > 500):
            raise JobsError(_("Enter a web address starting with http:// or https://."), field="source_url")
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
        raise JobsError(_("This application has ended (%(stage)s); it cannot change.",
                          stage=vocab.label(vocab.APPLICATION_STAGES, application.stage)), status=409)
    if stage not in allowed_stages(application):
        raise JobsError(_("An application cannot go from %(old)s to %(new)s.",
                          old=vocab.label(vocab.APPLICATION_STAGES, application.stage),
                          new=vocab.label(vocab.APPLICATION_STAGES, stage)), field="stage")
    on = _check_stage_date(on, after=application.stage_on)
    note = (note or "").strip()
    if len(note) > 1000:
        raise JobsError(_("At most %(n)d characters.", n=1000), field="note")
    # the stage moves only if nobody moved it meanwhile (two tabs, two clicks)
    moved = db.session.execute(
        update(Application).where(Application.id == application.id, Application.stage == application.stage)
        .values(stage=stage, stage_on=on, updated_at=utcnow())
    ).rowcount
    if not moved:
        raise JobsError(_("This application was changed meanwhile; reload the page."), status=409)
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


# --- mentors' and the office's view ------------------------------------------------------------

def caseload_students(user, *, q: str | None = None):
    """A select of the students whose job search the user follows: a mentor's caseload, or everyone for
    admins; rows of id, student_no, major, degree_level and display_name."""
    from portal.accounts.models import User
    from portal.students.services import caseload_student_ids

    stmt = (select(Student.id, Student.student_no, Student.major, Student.degree_level, User.display_name)
            .join(User, User.id == Student.user_id))
    if user.role == "mentor":
        stmt = stmt.where(Student.id.in_(caseload_student_ids(user)))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(User.display_name.ilike(like), Student.student_no.ilike(like), Student.major.ilike(like)))
    return stmt.order_by(Student.student_no)


def with_job_search_counts(stmt):
    """caseload_students() with each student's recommendations, saved postings, applications and offers,
    counted in the same statement (for the rows of one page only: add it after filtering)."""
    def counted(model, *where):
        return (select(func.count()).select_from(model).where(model.student_id == Student.id, *where)
                .correlate(Student).scalar_subquery())

    return stmt.add_columns(
        counted(Recommendation).label("recommendations"), counted(SavedPosting).label("saved"),
        counted(Application).label("applications"),
        counted(Application, Application.stage.in_(("offer", "signed"))).label("offers"),
    )


def mentors_students_for_referral(mentor) -> list[Student]:
    """The students a user may refer a posting to: a mentor's caseload (admins use the student's page)."""
    if mentor.role != "mentor":
        return []
    return list(db.session.scalars(
        select(Student).options(joinedload(Student.user))
        .join(MentorAssignment, MentorAssignment.student_id == Student.id)
        .where(MentorAssignment.mentor_id == mentor.id).order_by(Student.student_no)
    ))


# --- match quality and weights -------------------------------------------------------------------

def match_quality(*, by: str = "major") -> dict:
    """The funnel shown → viewed → saved → applied and the not-interested reasons, by college and major.

    Both are read from the whole feedback table (several milliseconds at 20,000 students), so the
    figures are kept for JOBS_QUALITY_SECONDS (60 s): what students did in the last minute may not
    show yet."""
    return _QUALITY.get((by,), lambda: _match_quality(by))


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
            raise JobsError(_("Each weight is a whole number from 0 to %(n)d.", n=matching.WEIGHT_MAX), field=key)
        cleaned[key] = value
    if not 1 <= per_student <= 50:
        raise JobsError(_("Between 1 and 50 recommendations per student."), field="per_student")
    if not 0 <= discovery_slots <= per_student // 2:
        raise JobsError(_("At most half of the recommendations can be surfaced posts."), field="discovery_slots")
    settings.put("jobs.weights", cleaned, actor=actor)
    settings.put("jobs.per_student", per_student, actor=actor)
    settings.put("jobs.discovery_slots", discovery_slots, actor=actor)
    audit.record(actor, "jobs.weights_changed", None, target_type="setting", target_id="jobs.weights",
                 detail=" ".join(f"{k}={v}" for k, v in cleaned.items()) + f" per_student={per_student} discovery={discovery_slots}")


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


# --- the student's archive --------------------------------------------------------------------

from portal.students import archive  # noqa: E402


@functools.cache
def _archive_statements():
    """The provider's two queries, built once with the student's id as a parameter, selecting only the
    columns an entry shows (see portal.students.archive)."""
    from sqlalchemy import bindparam

    from portal.accounts.models import User

    student_id = bindparam("student_id")
    events = (
        select(ApplicationEvent.recorded_at, ApplicationEvent.stage, ApplicationEvent.stage_on, ApplicationEvent.note,
               ApplicationEvent.recorded_by_id, Application.id.label("application_id"), Application.title,
               Application.employer)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(ApplicationEvent.student_id == student_id).order_by(ApplicationEvent.id)
    )
    referrals = (
        select(Referral.created_at, Referral.note, Referral.mentor_id, Referral.posting_id, JobPosting.title,
               User.display_name.label("mentor_name"))
        .join(JobPosting, JobPosting.id == Referral.posting_id)
        .outerjoin(User, User.id == Referral.mentor_id)
        .where(Referral.student_id == student_id).order_by(Referral.id)
    )
    return events, referrals


@archive.provider
def archive_entries(student, viewer, *, for_student: bool) -> list:
    """Each application stage and each referral, in two queries."""
    from portal.templating import IdUrl

    entries = []
    events, referrals = _archive_statements()
    params = {"student_id": student.id}
    application_url = IdUrl("jobs.application", "application_id")
    for event in plain_rows(events, params):
        entries.append(archive.ArchiveEntry(
            at=event.recorded_at,
            kind="job_application",
            title=_("Application to %(title)s at %(employer)s: %(stage)s", title=event.title,
                    employer=event.employer, stage=vocab.label(vocab.APPLICATION_STAGES, event.stage)),
            detail=_("On %(date)s.", date=event.stage_on.isoformat()) + (f" {event.note}" if event.note else ""),
            audience=archive.STUDENT,
            author_id=event.recorded_by_id,
            link=application_url(event.application_id),
        ))
    posting_url = IdUrl("jobs.posting", "posting_id")
    for referral in plain_rows(referrals, params):
        entries.append(archive.ArchiveEntry(
            at=referral.created_at,
            kind="job_referral",
            title=_("%(mentor)s referred the post %(title)s", mentor=referral.mentor_name or "—",
                    title=referral.title),
            detail=referral.note,
            audience=archive.STUDENT,
            author_id=referral.mentor_id,
            link=posting_url(referral.posting_id),
        ))
    return entries
