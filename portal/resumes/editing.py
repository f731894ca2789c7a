"""The rules of a resume's working copy: its values, starting one from the profile or as a copy, its
sections and items, its photo, archiving and deleting it."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from portal import settings
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.resumes import photos
from portal.resumes import sections as S
from portal.resumes.models import Resume, ResumeComment, ResumeItem, ResumePhoto, ResumeVersion
from portal.students.models import Student

MAX_RESUMES = 20
MAX_TITLE = 100

settings.declare("resumes.university_name", "")


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
        raise RuleViolation(_("This text is too long: at most %(n)d characters.", n=max_length))
    return text


def validate_values(section_key: str, values: dict) -> dict:
    """The section's fields, checked and cleaned; unknown keys are dropped."""
    section = S.SECTIONS.get(section_key)
    if section is None:
        raise RuleViolation(_("There is no such section."), status=404)
    cleaned: dict[str, str] = {}
    for f in section.fields:
        try:
            value = clean_text(values.get(f.key), max_length=f.max_length, multiline=f.kind == "textarea")
        except RuleViolation as error:
            raise RuleViolation(str(error), field=f.key) from None
        if f.required and not value:
            raise RuleViolation(_("Please fill in “%(field)s”.", field=f.label), field=f.key)
        if value and f.kind == "select" and value not in f.options:
            raise RuleViolation(_("Please choose one of the offered values."), field=f.key)
        if value and f.kind == "month" and not S.MONTH.match(value):
            raise RuleViolation(_("Enter a year and month such as 2024-09."), field=f.key)
        if value and f.kind == "url" and not S.safe_url(value):
            raise RuleViolation(_("Enter a web address starting with http:// or https://."), field=f.key)
        cleaned[f.key] = value
    if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
        raise RuleViolation(_("The end comes before the start."), field="end")
    return cleaned


# --- the student's resumes -------------------------------------------------------------------

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
        raise RuleViolation(_("You already keep %(n)d resumes. Archive one before starting another.", n=MAX_RESUMES), status=409)


def _check_settings(title: str, language: str, template: str) -> str:
    title = clean_text(title, max_length=MAX_TITLE)
    if not title:
        raise RuleViolation(_("Give the resume a title, e.g. the post it is for."), field="title")
    if language not in S.LANGUAGES:
        raise RuleViolation(_("Choose Chinese or English."), field="language")
    if template not in S.TEMPLATES:
        raise RuleViolation(_("Choose one of the offered layouts."), field="template")
    return title


def create_resume(student: Student, *, title: str, language: str = "zh", template: str | None = None,
                  copy_of: Resume | None = None) -> Resume:
    """A new resume filled from the student's profile, or a copy of one of their resumes."""
    template = template or ("chinese" if language == "zh" else "english")
    title = _check_settings(title, language, template)
    _check_quota(student.id)
    if copy_of is not None:
        if copy_of.student_id != student.id:
            raise RuleViolation(_("You can only copy your own resumes."), status=403)
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

def editable(resume: Resume) -> None:
    if resume.archived_at is not None:
        raise RuleViolation(_("This resume is archived. Restore it to change it."), status=409)


def _touch(resume: Resume) -> None:
    resume.updated_at = utcnow()


def update_settings(resume: Resume, *, title: str, language: str, template: str) -> Resume:
    editable(resume)
    resume.title = _check_settings(title, language, template)
    resume.language = language
    resume.template = template
    _touch(resume)
    db.session.flush()
    return resume


def update_single(resume: Resume, section: str, values: dict) -> Resume:
    """Save basic information, job intention or self-evaluation."""
    editable(resume)
    if section not in S.SINGLE_SECTIONS:
        raise RuleViolation(_("There is no such section."), status=404)
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
    editable(resume)
    if section not in S.LIST_SECTIONS:
        raise RuleViolation(_("There is no such section."), status=404)
    cleaned = validate_values(section, values)
    existing = _section_items(resume.id, section)
    if len(existing) >= S.SECTIONS[section].max_items:
        raise RuleViolation(_("This section already has %(n)d entries, the most it can hold.", n=S.SECTIONS[section].max_items), status=409)
    position = (existing[-1].position + 1) if existing else 0
    item = ResumeItem(section=section, position=position, data=cleaned)
    resume.items.append(item)  # keeps the loaded collection in step with the table
    _touch(resume)
    db.session.flush()
    return item


def update_item(item: ResumeItem, values: dict) -> ResumeItem:
    editable(item.resume)
    item.data = validate_values(item.section, values)
    _touch(item.resume)
    db.session.flush()
    return item


def remove_item(item: ResumeItem) -> None:
    resume = item.resume
    editable(resume)
    _touch(resume)
    resume.items.remove(item)  # delete-orphan removes the row
    db.session.flush()


def move_item(item: ResumeItem, direction: str) -> ResumeItem:
    """Move an item one place up or down in its section (positions are renumbered 0…n-1)."""
    editable(item.resume)
    if direction not in ("up", "down"):
        raise RuleViolation(_("Move up or down."))
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
    editable(resume)
    processed = photos.process(raw)
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
    editable(resume)
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
        raise RuleViolation(_("This resume has been submitted for review, so it is kept: archive it instead."), status=409)
    db.session.delete(resume)
    db.session.flush()
