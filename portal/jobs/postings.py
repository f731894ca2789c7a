"""Curating postings: checking a posting's fields, saving it with its majors, its status; whether it is open."""
from __future__ import annotations

import re
from datetime import date, datetime

from portal import audit
from portal.clock import local_today
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import vocab
from portal.jobs.models import JobPosting, PostingMajor
from portal.models_base import utcnow
from portal.sanitize import clean_html

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
    """Creates or updates a posting; raises RuleViolation (nothing written) when a field is wrong."""
    values, errors = clean_posting(data, existing=posting)
    if errors:
        field, message = errors[0]
        raise RuleViolation(message, field=field)
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
    return posting


def set_status(posting: JobPosting, status: str, *, actor) -> JobPosting:
    if status not in vocab.STATUSES:
        raise RuleViolation(_("Choose one of the listed values."), field="status")
    if status == "published" and posting.deadline is not None and posting.deadline < local_today():
        raise RuleViolation(_("The deadline %(date)s has already passed; change it before publishing.",
                              date=posting.deadline.isoformat()), field="deadline")
    if status == "published" and posting.status != "published":
        posting.published_at = utcnow()
    posting.status = status
    audit.record(actor, "jobs.posting_status", posting, detail=status)
    db.session.flush()
    return posting


def is_open(posting: JobPosting, today: date | None = None) -> bool:
    today = today or local_today()
    return posting.status == "published" and (posting.deadline is None or posting.deadline >= today)

