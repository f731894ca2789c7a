"""The rules of resumes: building and copying them, their items and photo, review versions,
comment threads, completing a review, comparing versions, and the queue of waiting reviews."""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field

from flask import has_request_context, url_for
from markupsafe import escape
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal import settings
from portal.accounts.models import Role
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models_base import utcnow
from portal.notifications import kind, notify
from portal.resumes import photos
from portal.resumes import sections as S
from portal.resumes.models import (
    Resume,
    ResumeComment,
    ResumeItem,
    ResumePhoto,
    ResumeStatus,
    ResumeVersion,
    VersionStatus,
)
from portal.sanitize import clean_html
from portal.students.models import Student

MAX_RESUMES = 20
MAX_TITLE = 100
MAX_NOTE = 1000
MAX_COMMENT = 5000
MAX_SUMMARY = 5000

settings.declare("resumes.university_name", "")

SUBMITTED = kind("resume.submitted", _l("%(student)s submitted the resume “%(title)s” for review."))
REVIEWED = kind("resume.reviewed", _l("Your mentor %(mentor)s reviewed your resume “%(title)s”."))
REVIEW_LOGGED = kind(
    "resume.review_logged",
    _l("Your review of %(student)s's resume “%(title)s” is complete and was logged as resume coaching."),
)
REPLIED = kind("resume.comment_reply", _l("%(author)s replied to a comment on the resume “%(title)s”."))


class ResumeError(ValueError):
    """A rule was broken; the message is translated and safe to show."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


# --- values ---------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value, *, max_length: int, multiline: bool = False) -> str:
    """Plain text as stored: no control characters (PostgreSQL refuses NUL), trimmed, bounded."""
    text = _CONTROL.sub("", str(value or ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split())
    else:
        text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if len(text) > max_length:
        raise ResumeError(_("This text is too long: at most %(n)d characters.", n=max_length))
    return text


def validate_values(section_key: str, values: dict) -> dict:
    """The section's fields, checked and cleaned; unknown keys are dropped."""
    section = S.SECTIONS.get(section_key)
    if section is None:
        raise ResumeError(_("There is no such section."), status=404)
    cleaned: dict[str, str] = {}
    for f in section.fields:
        try:
            value = clean_text(values.get(f.key), max_length=f.max_length, multiline=f.kind == "textarea")
        except ResumeError as error:
            raise ResumeError(str(error), field=f.key) from None
        if f.required and not value:
            raise ResumeError(_("Please fill in “%(field)s”.", field=f.label), field=f.key)
        if value and f.kind == "select" and value not in f.options:
            raise ResumeError(_("Please choose one of the offered values."), field=f.key)
        if value and f.kind == "month" and not S.MONTH.match(value):
            raise ResumeError(_("Enter a year and month such as 2024-09."), field=f.key)
        if value and f.kind == "url" and not S.safe_url(value):
            raise ResumeError(_("Enter a web address starting with http:// or https://."), field=f.key)
        cleaned[f.key] = value
    if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
        raise ResumeError(_("The end comes before the start."), field="end")
    return cleaned


# --- loading --------------------------------------------------------------------------------

def resumes_of(student: Student | int, *, archived: bool = False) -> list[Resume]:
    student_id = student if isinstance(student, int) else student.id
    stmt = select(Resume).where(Resume.student_id == student_id)
    stmt = stmt.where(Resume.archived_at.is_not(None) if archived else Resume.archived_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Resume.updated_at.desc(), Resume.id.desc())))


def open_comment_counts(resume_ids: list[int]) -> dict[int, int]:
    if not resume_ids:
        return {}
    rows = db.session.execute(
        select(ResumeComment.resume_id, func.count(ResumeComment.id))
        .where(ResumeComment.resume_id.in_(resume_ids), ResumeComment.parent_id.is_(None),
               ResumeComment.resolved_at.is_(None))
        .group_by(ResumeComment.resume_id)
    ).all()
    return dict(rows)


def threads_of(resume: Resume | int) -> list[ResumeComment]:
    """Every comment thread on the resume (all versions), replies and authors loaded; oldest first."""
    resume_id = resume if isinstance(resume, int) else resume.id
    # one query for threads and replies alike (a reply has its thread's resume): cheaper than a
    # selectinload of the replies, whose machinery cost more than the second query itself
    comments = db.session.scalars(_comments_stmt(), {"resume_id": resume_id}).all()
    replies: dict[int, list[ResumeComment]] = {}
    for comment in comments:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        if "replies" not in comment.__dict__:  # never overwrite a collection the session already holds
            set_committed_value(comment, "replies", replies.get(comment.id, []))
    return [comment for comment in comments if comment.parent_id is None]


@functools.cache
def _comments_stmt():
    # built once: building it cost about as much as running it, on every editor page
    return (
        select(ResumeComment)
        .where(ResumeComment.resume_id == bindparam("resume_id"))
        .options(
            joinedload(ResumeComment.author),
            joinedload(ResumeComment.version).load_only(ResumeVersion.id, ResumeVersion.number),
        )
        .order_by(ResumeComment.id)  # the replies' order too (Comment.replies is ordered by id)
    )


def group_threads(threads: list[ResumeComment], item_ids: dict[str, set]) -> dict[tuple[str, int | None], list[ResumeComment]]:
    """Threads by what they are about: (section, item id or None), open ones first. A thread about an
    entry that is no longer in the document goes with its section (it keeps the entry's label)."""
    grouped: dict[tuple[str, int | None], list[ResumeComment]] = {}
    for thread in sorted(threads, key=lambda c: (not c.is_open, c.id)):
        item_id = thread.item_id if thread.item_id in item_ids.get(thread.section, ()) else None
        grouped.setdefault((thread.section, item_id), []).append(thread)
    return grouped


# --- the document -----------------------------------------------------------------------------

def build_document(*, title: str, language: str, template: str, basics: dict, intention: dict,
                   self_evaluation: str, items, has_photo: bool) -> dict:
    """The resume as plain data: what versions store, and what pages and PDFs render.

    `items` are (id, section, position, data) tuples in any order.
    """
    by_section: dict[str, list] = {key: [] for key in S.LIST_SECTIONS}
    for item_id, section, position, data in sorted(items, key=lambda i: (i[1], i[2], i[0] or 0)):
        if section in by_section:
            by_section[section].append({"id": item_id, "data": dict(data)})
    return {
        "title": title,
        "language": language,
        "template": template,
        "basics": dict(basics or {}),
        "intention": dict(intention or {}),
        "self_evaluation": self_evaluation or "",
        "sections": by_section,
        "has_photo": bool(has_photo),
    }


def document_of(resume: Resume) -> dict:
    return build_document(
        title=resume.title, language=resume.language, template=resume.template, basics=resume.basics,
        intention=resume.intention, self_evaluation=resume.self_evaluation, has_photo=resume.has_photo,
        items=[(i.id, i.section, i.position, i.data) for i in resume.items],
    )


@dataclass
class View:
    """A document prepared for a template: facts and entries in the document's language."""

    doc: dict
    language: str
    name: str
    facts: list
    contacts: list
    intention: list
    entries: dict[str, list[S.Entry]]
    self_evaluation: list[str]

    def has(self, section: str) -> bool:
        if section == "basics":
            return True
        if section == "intention":
            return bool(self.intention)
        if section == "self_evaluation":
            return bool(self.self_evaluation)
        return bool(self.entries.get(section))


def view_of(doc: dict) -> View:
    language = doc.get("language") if doc.get("language") in S.LANGUAGES else "zh"
    basics = doc.get("basics") or {}
    entries = {
        key: [S.present(key, item["data"], language, item.get("id")) for item in doc["sections"].get(key, [])]
        for key in S.LIST_SECTIONS
    }
    return View(
        doc=doc,
        language=language,
        name=basics.get("full_name") or "",
        facts=S.facts(basics, S.BASIC_FACTS, language),
        contacts=S.facts(basics, S.CONTACT_FACTS, language),
        intention=S.facts(doc.get("intention") or {}, tuple(f.key for f in S.INTENTION.fields), language),
        entries=entries,
        self_evaluation=S.lines_of(doc.get("self_evaluation")),
    )


def document_lines(doc: dict) -> dict[str, list[str]]:
    """Each section as lines of text, for comparing versions."""
    view = view_of(doc)
    lines: dict[str, list[str]] = {}
    lines["basics"] = ([view.name] if view.name else []) + [f"{label}: {value}" for _, label, value in view.facts + view.contacts]
    if doc.get("has_photo"):
        lines["basics"].append("[photo]")
    lines["intention"] = [f"{label}: {value}" for _, label, value in view.intention]
    for key in S.LIST_SECTIONS:
        out = []
        for entry in view.entries[key]:
            out.append(" · ".join(x for x in (entry.title, entry.subtitle, entry.when) if x))
            out.extend("    " + line for line in entry.lines)
        lines[key] = out
    lines["self_evaluation"] = view.self_evaluation
    return {key: lines[key] for key in S.SECTIONS}


@dataclass
class SectionDiff:
    key: str
    label: object
    rows: list[tuple[str, str]] = field(default_factory=list)  # (same|added|removed, text)
    added: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def compare(old: dict, new: dict) -> list[SectionDiff]:
    """What changed from one document to the other, section by section (difflib on the text)."""
    before, after = document_lines(old), document_lines(new)
    diffs = []
    for key, section in S.SECTIONS.items():
        a, b = before.get(key, []), after.get(key, [])
        diff = SectionDiff(key, section.label)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                diff.rows.extend(("same", line) for line in a[i1:i2])
                continue
            diff.rows.extend(("removed", line) for line in a[i1:i2])
            diff.rows.extend(("added", line) for line in b[j1:j2])
            diff.removed += i2 - i1
            diff.added += j2 - j1
        diffs.append(diff)
    return diffs


# --- starting a resume ------------------------------------------------------------------------

def _items_from_profile(student: Student) -> list[tuple[str, dict]]:
    years = {"bachelor": 5 if student.major in ("临床医学", "口腔医学", "麻醉学", "医学影像学", "儿科学", "精神医学",
                                               "预防医学", "中医学", "针灸推拿学", "中西医临床医学") else 4,
             "master": 3, "doctor": 3}
    start_year = student.cohort or (student.graduation_year - years.get(student.degree_level, 4))
    school = settings.get("resumes.university_name") or ""
    school = f"{school} {student.college}".strip() if school else student.college
    return [("education", {
        "school": school, "major": student.major,
        "degree": student.degree_level if student.degree_level in ("bachelor", "master", "doctor") else "",
        "start": f"{start_year}-09", "end": f"{student.graduation_year}-06", "ranking": "", "details": "",
    })]


def profile_basics(student: Student) -> dict:
    user = student.user
    return {
        "full_name": user.display_name or "",
        "gender": student.gender if student.gender in ("female", "male") else "",
        "birth_month": "", "ethnicity": "", "political_status": "",
        "native_place": student.home_province or "",
        "phone": student.phone or "", "email": user.email or "", "city": "", "homepage": "",
    }


_POST_TYPES = {"establishment": "establishment", "编制": "establishment", "contract": "contract", "合同制": "contract",
               "residency": "residency", "规培": "residency", "grassroots": "grassroots_programme"}


def profile_intention(student: Student) -> dict:
    post_type = ""
    for value in student.intended_post_types or []:
        if value in _POST_TYPES:
            post_type = _POST_TYPES[value]
            break
    if not post_type and student.standardized_training:
        post_type = "residency"
    levels = [S.option_label(v, "zh") for v in (student.intended_hospital_levels or []) if v in S.OPTION_LABELS]
    return {
        "position": "", "unit_type": "、".join(levels)[:100], "post_type": post_type,
        "locations": "、".join(str(r) for r in (student.intended_regions or []))[:100],
        "available_from": f"{student.graduation_year}-07", "salary": "",
    }


def _check_quota(student_id: int) -> None:
    count = db.session.scalar(
        select(func.count(Resume.id)).where(Resume.student_id == student_id, Resume.archived_at.is_(None))
    )
    if count >= MAX_RESUMES:
        raise ResumeError(_("You already keep %(n)d resumes. Archive one before starting another.", n=MAX_RESUMES), status=409)


def _check_settings(title: str, language: str, template: str) -> str:
    title = clean_text(title, max_length=MAX_TITLE)
    if not title:
        raise ResumeError(_("Give the resume a title, e.g. the post it is for."), field="title")
    if language not in S.LANGUAGES:
        raise ResumeError(_("Choose Chinese or English."), field="language")
    if template not in S.TEMPLATES:
        raise ResumeError(_("Choose one of the offered layouts."), field="template")
    return title


def create_resume(student: Student, *, title: str, language: str = "zh", template: str | None = None,
                  copy_of: Resume | None = None) -> Resume:
    """A new resume filled from the student's profile, or a copy of one of their resumes."""
    template = template or ("chinese" if language == "zh" else "english")
    title = _check_settings(title, language, template)
    _check_quota(student.id)
    if copy_of is not None:
        if copy_of.student_id != student.id:
            raise ResumeError(_("You can only copy your own resumes."), status=403)
        return copy_resume(copy_of, title=title, language=language, template=template)
    resume = Resume(student_id=student.id, title=title, language=language, template=template,
                    basics=profile_basics(student), intention=profile_intention(student), self_evaluation="")
    db.session.add(resume)
    db.session.flush()
    for position, (section, data) in enumerate(_items_from_profile(student)):
        db.session.add(ResumeItem(resume_id=resume.id, section=section, position=position, data=data))
    db.session.flush()
    return resume


def copy_resume(source: Resume, *, title: str | None = None, language: str | None = None,
                template: str | None = None) -> Resume:
    """A new working copy with the same content and photo; versions and comments stay with the original."""
    _check_quota(source.student_id)
    if title is None:
        title = clean_text(_("%(title)s (copy)", title=source.title), max_length=MAX_TITLE + 20)[:MAX_TITLE]
    resume = Resume(
        student_id=source.student_id, title=title, language=language or source.language,
        template=template or source.template, basics=dict(source.basics or {}), intention=dict(source.intention or {}),
        self_evaluation=source.self_evaluation or "", has_photo=source.has_photo,
    )
    db.session.add(resume)
    db.session.flush()
    for item in source.items:
        db.session.add(ResumeItem(resume_id=resume.id, section=item.section, position=item.position, data=dict(item.data)))
    if source.has_photo:
        photo = db.session.scalar(select(ResumePhoto).where(ResumePhoto.resume_id == source.id))
        if photo is not None:
            db.session.add(ResumePhoto(resume_id=resume.id, data=photo.data, mime=photo.mime, width=photo.width,
                                       height=photo.height, digest=photo.digest))
        else:
            resume.has_photo = False
    db.session.flush()
    return resume


# --- editing --------------------------------------------------------------------------------

def _editable(resume: Resume) -> None:
    if resume.archived_at is not None:
        raise ResumeError(_("This resume is archived. Restore it to change it."), status=409)


def _touch(resume: Resume) -> None:
    resume.updated_at = utcnow()


def update_settings(resume: Resume, *, title: str, language: str, template: str) -> Resume:
    _editable(resume)
    resume.title = _check_settings(title, language, template)
    resume.language = language
    resume.template = template
    _touch(resume)
    db.session.flush()
    return resume


def update_single(resume: Resume, section: str, values: dict) -> Resume:
    """Save basic information, job intention or self-evaluation."""
    _editable(resume)
    if section not in S.SINGLE_SECTIONS:
        raise ResumeError(_("There is no such section."), status=404)
    cleaned = validate_values(section, values)
    if section == "basics":
        resume.basics = cleaned
    elif section == "intention":
        resume.intention = cleaned
    else:
        resume.self_evaluation = cleaned["text"]
    _touch(resume)
    db.session.flush()
    return resume


def _section_items(resume_id: int, section: str) -> list[ResumeItem]:
    return list(db.session.scalars(
        select(ResumeItem).where(ResumeItem.resume_id == resume_id, ResumeItem.section == section)
        .order_by(ResumeItem.position, ResumeItem.id)
    ))


def add_item(resume: Resume, section: str, values: dict) -> ResumeItem:
    _editable(resume)
    if section not in S.LIST_SECTIONS:
        raise ResumeError(_("There is no such section."), status=404)
    cleaned = validate_values(section, values)
    existing = _section_items(resume.id, section)
    if len(existing) >= S.SECTIONS[section].max_items:
        raise ResumeError(_("This section already has %(n)d entries, the most it can hold.", n=S.SECTIONS[section].max_items), status=409)
    position = (existing[-1].position + 1) if existing else 0
    item = ResumeItem(section=section, position=position, data=cleaned)
    resume.items.append(item)  # keeps the loaded collection in step with the table
    _touch(resume)
    db.session.flush()
    return item


def update_item(item: ResumeItem, values: dict) -> ResumeItem:
    _editable(item.resume)
    item.data = validate_values(item.section, values)
    _touch(item.resume)
    db.session.flush()
    return item


def remove_item(item: ResumeItem) -> None:
    resume = item.resume
    _editable(resume)
    _touch(resume)
    resume.items.remove(item)  # delete-orphan removes the row
    db.session.flush()


def move_item(item: ResumeItem, direction: str) -> ResumeItem:
    """Move an item one place up or down in its section (positions are renumbered 0…n-1)."""
    _editable(item.resume)
    if direction not in ("up", "down"):
        raise ResumeError(_("Move up or down."))
    items = _section_items(item.resume_id, item.section)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, other in enumerate(items):
            other.position = position
        _touch(item.resume)
        db.session.flush()
    return item


def set_photo(resume: Resume, raw: bytes) -> ResumePhoto:
    _editable(resume)
    try:
        processed = photos.process(raw)
    except photos.PhotoError as error:
        raise ResumeError(str(error), field="photo") from None
    photo = db.session.scalar(select(ResumePhoto).where(ResumePhoto.resume_id == resume.id))
    if photo is None:
        photo = ResumePhoto(resume_id=resume.id)
        db.session.add(photo)
    photo.data, photo.mime, photo.width, photo.height = processed.data, processed.mime, processed.width, processed.height
    photo.digest = processed.digest
    photo.uploaded_at = utcnow()
    resume.has_photo = True
    _touch(resume)
    db.session.flush()
    return photo


def remove_photo(resume: Resume) -> None:
    _editable(resume)
    photo = db.session.scalar(select(ResumePhoto).where(ResumePhoto.resume_id == resume.id))
    if photo is not None:
        db.session.delete(photo)
    resume.has_photo = False
    _touch(resume)
    db.session.flush()


def photo_of(resume: Resume) -> ResumePhoto | None:
    if not resume.has_photo:
        return None
    return db.session.scalar(select(ResumePhoto).where(ResumePhoto.resume_id == resume.id))


def archive_resume(resume: Resume) -> None:
    resume.archived_at = resume.archived_at or utcnow()
    db.session.flush()


def restore_resume(resume: Resume) -> None:
    if resume.archived_at is not None:
        _check_quota(resume.student_id)
        resume.archived_at = None
    db.session.flush()


def delete_resume(resume: Resume) -> None:
    """Only a resume that was never submitted may be deleted; reviewed work is archived instead."""
    if db.session.scalar(select(func.count(ResumeVersion.id)).where(ResumeVersion.resume_id == resume.id)):
        raise ResumeError(_("This resume has been submitted for review, so it is kept: archive it instead."), status=409)
    db.session.delete(resume)
    db.session.flush()


# --- review -----------------------------------------------------------------------------------

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
    from portal.students.services import mentor_ids_of

    _editable(resume)
    note = clean_text(note, max_length=MAX_NOTE, multiline=True)
    if not (resume.basics or {}).get("full_name"):
        raise ResumeError(_("Fill in your name in the basic information before submitting."), field="full_name")
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
        raise ResumeError(_("This resume was submitted at the same moment from elsewhere. Reload the page."), status=409) from None
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
    """Rich text from a textarea: plain lines become paragraphs; HTML goes through the sanitizer."""
    body = (body or "").strip()
    if len(body) > max_length:
        raise ResumeError(_("This text is too long: at most %(n)d characters.", n=max_length), field="body")
    if "<" not in body:
        paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
        body = "".join("<p>" + str(escape(p)).replace("\n", "<br>") + "</p>" for p in paragraphs)
    cleaned = clean_html(body)
    if not re.sub(r"<[^>]+>|\s|&nbsp;", "", cleaned):
        raise ResumeError(_("Write something first."), field="body")
    return cleaned


def add_comment(version: ResumeVersion, *, author, section: str, item_id: int | None, body: str) -> ResumeComment:
    """A mentor's comment on a section, or on one item of a section, of a submitted version."""
    if version.status == VersionStatus.SUPERSEDED:
        raise ResumeError(_("A newer version of this resume was submitted: comment on that one."), status=409)
    if section not in S.SECTIONS:
        raise ResumeError(_("There is no such section."), field="section")
    label = ""
    if item_id is not None:
        data = _snapshot_item(version, section, item_id) if section in S.LIST_SECTIONS else None
        if data is None:
            raise ResumeError(_("This entry is not part of the version."), field="item_id")
        label = S.anchor_label(section, data, version.content.get("language", "zh"))
    comment = ResumeComment(resume_id=version.resume_id, version_id=version.id, section=section, item_id=item_id,
                            anchor_label=label, author_id=author.id, body=_rich(body, max_length=MAX_COMMENT))
    db.session.add(comment)
    db.session.flush()
    return comment


def reply(thread: ResumeComment, *, author, body: str) -> ResumeComment:
    if thread.parent_id is not None:
        raise ResumeError(_("Reply to the thread's first comment."))
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
        raise ResumeError(_("This version is no longer waiting for review: it was reviewed or replaced."), status=409)
    db.session.refresh(version)
    resume = version.resume
    if latest_version(resume).id == version.id:
        resume.status = ResumeStatus.REVIEWED
    counts = db.session.execute(
        select(func.count(ResumeComment.id), func.count(ResumeComment.resolved_at))
        .where(ResumeComment.version_id == version.id, ResumeComment.parent_id.is_(None))
    ).one()
    notes = summary_html + "<p>" + str(escape(_(
        "Resume “%(title)s”, version %(number)d: %(comments)d comments, %(open)d still open.",
        title=resume.title, number=version.number, comments=counts[0], open=counts[0] - counts[1],
    ))) + "</p>"
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
    from portal.students.services import caseload_student_ids

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

