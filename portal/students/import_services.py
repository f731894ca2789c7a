"""The students' imports, declared on the import engine (portal.imports): the roster, certification
lists and campus-card spending, and the history of the batches imported.

Each kind plans against the database in a fixed number of bulk queries and applies its plan
with bulk statements through db.session (so the cache sees the tables), so that a 20,000-row
roster imports in a few seconds, all or nothing.
"""
from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, select, update

from portal import audit, imports, spreadsheets
from portal.accounts.models import Role, User
from portal.accounts.services import normalize_username
from portal.clock import local_today
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext
from portal.models_base import utcnow
from portal.imports import (
    CellError,
    Column,
    Importer,
    Plan,
    Problem,
    Spec,
    choice_value,
    email_value,
    integer_value,
    money_value,
    month_value,
    phone_value,
    student_no_value,
    text_value,
)
from portal.students.models import (
    ClaimStatus,
    HardshipCategory,
    HardshipClaim,
    ImportBatch,
    ListMatch,
    ProfileChange,
    SpendingRecord,
    Student,
)
from portal.students.services import (
    mask_national_id,
    national_id_hash,
    normalize_national_id,
)

CHUNK = 900  # parameters per IN (...) list: below SQLite's and PostgreSQL's limits
DETAILS_SHOWN = 200  # changes listed on a preview page


def _label(spec: Spec, key: str) -> str:
    return str(spec.column(key).label)


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- cell parsers specific to students ----------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def national_id_value(text: str) -> list[str]:
    """A national ID number, checked, then reduced at once to [keyed hash, masked form]: the clear
    number is never kept, not even in a preview waiting for confirmation."""
    if "e+" in text.lower():
        raise CellError(_("Excel turned this ID number into a number and dropped its last digits; "
                          "format the column as text and type the numbers again."))
    normalized = normalize_national_id(text)
    if normalized is None:
        raise CellError(_("Not a national ID number: 18 characters, 17 digits then a digit or X."))
    check = ID_CHECK[sum(int(d) * w for d, w in zip(normalized[:17], ID_WEIGHTS)) % 11]
    if normalized[17] != check:
        raise CellError(_("The ID number %(masked)s fails its check digit; please check it for a typing mistake.",
                          masked=mask_national_id(normalized)))
    return [national_id_hash(normalized), mask_national_id(normalized)]


def year_value(text: str) -> int:
    this_year = local_today().year
    return integer_value(this_year - 15, this_year + 10)(text)


PROVINCES = {
    "北京": "Beijing", "天津": "Tianjin", "上海": "Shanghai", "重庆": "Chongqing", "河北": "Hebei",
    "山西": "Shanxi", "辽宁": "Liaoning", "吉林": "Jilin", "黑龙江": "Heilongjiang", "江苏": "Jiangsu",
    "浙江": "Zhejiang", "安徽": "Anhui", "福建": "Fujian", "江西": "Jiangxi", "山东": "Shandong",
    "河南": "Henan", "湖北": "Hubei", "湖南": "Hunan", "广东": "Guangdong", "海南": "Hainan",
    "四川": "Sichuan", "贵州": "Guizhou", "云南": "Yunnan", "陕西": "Shaanxi", "甘肃": "Gansu",
    "青海": "Qinghai", "台湾": "Taiwan", "内蒙古": "Inner Mongolia", "广西": "Guangxi", "西藏": "Xizang",
    "宁夏": "Ningxia", "新疆": "Xinjiang", "香港": "Hong Kong", "澳门": "Macao",
}
_PROVINCE_BY_ENGLISH = {name.lower().replace(" ", ""): short for short, name in PROVINCES.items()}
_PROVINCE_BY_ENGLISH.update({"tibet": "西藏", "macau": "澳门", "neimenggu": "内蒙古", "innermongolia": "内蒙古"})


def province_value(text: str) -> str:
    """A province, municipality or region, stored by its short Chinese name (河南省郑州市 → 河南)."""
    for short in PROVINCES:
        if text.startswith(short):
            return short
    key = re.sub(r"[\s_\-]|province|city|shi|sheng", "", text.lower())
    if key in _PROVINCE_BY_ENGLISH:
        return _PROVINCE_BY_ENGLISH[key]
    raise CellError(_("\"%(value)s\" is not a province, municipality or autonomous region of China.", value=text[:40]))


GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}
DEGREES = {
    "本科": "bachelor", "本科生": "bachelor", "学士": "bachelor", "bachelor": "bachelor", "undergraduate": "bachelor",
    "硕士": "master", "硕士研究生": "master", "硕士生": "master", "master": "master", "masters": "master",
    "博士": "doctor", "博士研究生": "doctor", "博士生": "doctor", "doctor": "doctor", "doctorate": "doctor", "phd": "doctor",
}
ORIGINS = {"城镇": "urban", "城市": "urban", "urban": "urban", "农村": "rural", "乡村": "rural", "rural": "rural"}


# --- the roster -----------------------------------------------------------------------------------

ROSTER_SPEC = Spec(columns=(
    Column("student_no", ("学号", "student_no"), _l("Student number"), student_no_value,
           hint=_l("Letters and digits; also the student's username.")),
    Column("name", ("姓名", "name"), _l("Name"), text_value(100)),
    Column("gender", ("性别", "gender"), _l("Gender"), choice_value(GENDERS, "男, 女, male, female"), required=False,
           hint="男 / 女 (male / female)"),
    Column("college", ("学院", "college"), _l("College"), text_value(100)),
    Column("major", ("专业", "major"), _l("Major"), text_value(100)),
    Column("degree_level", ("学历层次", "degree"), _l("Degree level"),
           choice_value(DEGREES, "本科, 硕士, 博士, bachelor, master, doctor"), hint="本科 / 硕士 / 博士 (bachelor / master / doctor)"),
    Column("graduation_year", ("毕业年份", "graduation_year"), _l("Graduation year"), year_value, hint=_l("e.g. 2027")),
    Column("class_name", ("班级", "class"), _l("Class"), text_value(100), required=False),
    Column("home_province", ("生源地", "home_province"), _l("Home province"), province_value, required=False,
           hint=_l("Province, e.g. 河南 or 河南省")),
    Column("origin", ("城乡", "origin"), _l("Urban or rural origin"), choice_value(ORIGINS, "城镇, 农村, urban, rural"),
           required=False, hint="城镇 / 农村 (urban / rural)"),
    Column("phone", ("手机", "phone"), _l("Mobile phone"), phone_value, required=False,
           hint=_l("Fills a missing number only: students keep their own contact details up to date.")),
    Column("email", ("邮箱", "email"), _l("E-mail"), email_value, required=False,
           hint=_l("Fills a missing address only: students keep their own contact details up to date.")),
    # not in the template, accepted when present
    Column("cohort", ("入学年份", "cohort"), _l("Year of entry"), year_value, required=False),
    Column("national_id", ("身份证号", "national_id"), _l("National ID number"), national_id_value, required=False,
           hint=_l("Kept only as a keyed hash, to match certification lists; shown masked.")),
))
ROSTER_TEMPLATE_KEYS = ("student_no", "name", "gender", "college", "major", "degree_level", "graduation_year",
                        "class_name", "home_province", "origin", "phone", "email")
# Fields the registrar's roster is the authority for: a value in the file replaces the portal's.
ROSTER_FIELDS = ("gender", "college", "major", "degree_level", "graduation_year", "class_name", "home_province",
                 "origin", "cohort")


def unusable_password_hash() -> str:
    """A stored hash no password can match (the hash check refuses its format): the account exists,
    but nobody can sign in until an administrator sets a temporary password."""
    return "!unusable$" + secrets.token_hex(8)


@dataclass
class RosterPayload:
    new_users: list[dict] = field(default_factory=list)  # a user and a student to create
    adopted: list[dict] = field(default_factory=list)  # a student account without profile: add the profile
    student_updates: list[dict] = field(default_factory=list)
    user_updates: list[dict] = field(default_factory=list)
    profile_changes: list[dict] = field(default_factory=list)


def plan_roster(rows: list[dict], options: dict) -> Plan:
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    id_rows: dict[str, int] = {}
    valid: list[dict] = []
    for row in rows:
        number = row.get("student_no")
        if number is None or row.get("_bad"):
            continue
        if number in first_row:
            problems.append(Problem(_("The student number %(no)s already appears in row %(row)d.",
                                      no=number, row=first_row[number]), row=row["_row"], column=_label(ROSTER_SPEC, "student_no")))
            continue
        first_row[number] = row["_row"]
        national = row.get("national_id")
        if national:
            if national[0] in id_rows:
                problems.append(Problem(_("The same national ID number is already in row %(row)d.", row=id_rows[national[0]]),
                                        row=row["_row"], column=_label(ROSTER_SPEC, "national_id")))
                continue
            id_rows[national[0]] = row["_row"]
        valid.append(row)

    numbers = [row["student_no"] for row in valid]
    existing: dict[str, dict] = {}
    for chunk in chunks(numbers):
        for record in db.session.execute(
            select(Student.id, Student.user_id, Student.student_no, Student.phone, Student.national_id_hash,
                   Student.national_id_masked, User.display_name, User.email,
                   *[getattr(Student, name) for name in ROSTER_FIELDS])
            .join(User, User.id == Student.user_id)
            .where(Student.student_no.in_(chunk))
        ).mappings():
            existing[record["student_no"]] = dict(record)

    new_numbers = [no for no in numbers if no not in existing]
    taken: dict[str, dict] = {}
    for chunk in chunks([normalize_username(no) for no in new_numbers]):
        for record in db.session.execute(
            select(User.id, User.username, User.role, Student.student_no)
            .outerjoin(Student, Student.user_id == User.id)
            .where(User.username.in_(chunk))
        ).mappings():
            taken[record["username"]] = dict(record)

    id_owner: dict[str, str] = {}
    for chunk in chunks(list(id_rows)):
        id_owner.update(db.session.execute(
            select(Student.national_id_hash, Student.student_no).where(Student.national_id_hash.in_(chunk))
        ).all())

    payload = RosterPayload()
    details: list[dict] = []
    unchanged = 0
    now = utcnow()
    for row in valid:
        number = row["student_no"]
        national = row.get("national_id")
        if national and id_owner.get(national[0], number) != number:
            problems.append(Problem(_("This national ID number is already recorded for student %(no)s.", no=id_owner[national[0]]),
                                    row=row["_row"], column=_label(ROSTER_SPEC, "national_id")))
            continue
        current = existing.get(number)
        if current is None:
            username = normalize_username(number)
            account = taken.get(username)
            if account is not None and (account["role"] != Role.STUDENT or account["student_no"] is not None):
                problems.append(Problem(_("The username %(name)s is already used by another account; "
                                          "rename that account first.", name=username), row=row["_row"], column=_label(ROSTER_SPEC, "student_no")))
                continue
            values = _student_values(row)
            if account is None:
                payload.new_users.append(dict(username=username, row=row, values=values))
            else:
                payload.adopted.append(dict(user_id=account["id"], row=row, values=values))
            if len(details) < DETAILS_SHOWN:
                details.append(dict(row=row["_row"], student_no=number, name=row["name"], action="create", changes={}))
            continue
        changes = _roster_changes(current, row)
        if not changes:
            unchanged += 1
            continue
        merged = {name: current[name] for name in ROSTER_FIELDS}
        merged.update({k: v[1] for k, v in changes.items() if k in ROSTER_FIELDS})
        phone = changes["phone"][1] if "phone" in changes else current["phone"]
        hash_, masked = (national if "national_id" in changes else (current["national_id_hash"], current["national_id_masked"]))
        payload.student_updates.append(dict(id=current["id"], phone=phone, national_id_hash=hash_,
                                            national_id_masked=masked, updated_at=now, **merged))
        if "name" in changes or "email" in changes:
            payload.user_updates.append(dict(
                id=current["user_id"],
                display_name=changes["name"][1] if "name" in changes else current["display_name"],
                email=changes["email"][1] if "email" in changes else current["email"],
            ))
        payload.profile_changes.append(dict(student_id=current["id"], changes=changes))
        if len(details) < DETAILS_SHOWN:
            details.append(dict(row=row["_row"], student_no=number, name=row["name"], action="update", changes=changes))

    created = len(payload.new_users) + len(payload.adopted)
    counts = {"created": created, "updated": len(payload.student_updates), "unchanged": unchanged}
    return Plan(problems=problems, counts=counts, details=details, payload=payload)


def _student_values(row: dict) -> dict:
    values = {name: row.get(name) for name in ROSTER_FIELDS}
    values["phone"] = row.get("phone")
    national = row.get("national_id")
    values["national_id_hash"], values["national_id_masked"] = national if national else (None, None)
    return values


def _roster_changes(current: dict, row: dict) -> dict:
    """Field -> [old, new] for what the row would change. Empty cells leave a value alone; contact
    details only fill gaps, since students keep their own up to date."""
    changes: dict[str, list] = {}
    if row["name"] and row["name"] != current["display_name"]:
        changes["name"] = [current["display_name"], row["name"]]
    for name in ROSTER_FIELDS:
        value = row.get(name)
        if value is not None and value != current[name]:
            changes[name] = [current[name], value]
    if row.get("phone") and not current["phone"]:
        changes["phone"] = [None, row["phone"]]
    if row.get("email") and not current["email"]:
        changes["email"] = [None, row["email"]]
    national = row.get("national_id")
    if national and national[0] != current["national_id_hash"]:
        # the archive shows masked numbers only
        changes["national_id"] = [current["national_id_masked"], national[1]]
    return changes


def apply_roster(plan: Plan, *, actor, options: dict) -> dict:
    payload: RosterPayload = plan.payload
    now = utcnow()
    if payload.new_users:
        user_rows = [
            dict(username=item["username"], display_name=item["row"]["name"], role=Role.STUDENT,
                 email=item["row"].get("email"), password_hash=unusable_password_hash(), active=True,
                 must_change_password=True, created_at=now, password_changed_at=now)
            for item in payload.new_users
        ]
        for chunk in chunks(user_rows, 2000):
            db.session.execute(insert(User), chunk)
        ids: dict[str, int] = {}
        for chunk in chunks([item["username"] for item in payload.new_users]):
            ids.update(db.session.execute(select(User.username, User.id).where(User.username.in_(chunk))).all())
        student_rows = [
            dict(user_id=ids[item["username"]], student_no=item["row"]["student_no"], created_at=now, updated_at=now,
                 **item["values"])
            for item in payload.new_users
        ]
        for chunk in chunks(student_rows, 2000):
            db.session.execute(insert(Student), chunk)
    if payload.adopted:
        db.session.execute(insert(Student), [
            dict(user_id=item["user_id"], student_no=item["row"]["student_no"], created_at=now, updated_at=now,
                 **item["values"])
            for item in payload.adopted
        ])
        db.session.execute(update(User), [
            dict(id=item["user_id"], display_name=item["row"]["name"]) for item in payload.adopted
        ])
    for chunk in chunks(payload.student_updates, 2000):
        db.session.execute(update(Student), chunk)
    for chunk in chunks(payload.user_updates, 2000):
        db.session.execute(update(User), chunk)
    if payload.profile_changes:
        actor_id = getattr(actor, "id", None)
        for chunk in chunks(payload.profile_changes, 2000):
            db.session.execute(insert(ProfileChange), [
                dict(student_id=item["student_id"], changed_by_id=actor_id, changed_at=now, changes=item["changes"])
                for item in chunk
            ])
    return dict(plan.counts)


def describe_roster(counts: dict) -> str:
    return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged",
             created=counts.get("created", 0), updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0))


ROSTER = Importer(
    key="roster", label=_l("Student roster"), spec=ROSTER_SPEC, plan=plan_roster, apply=apply_roster,
    describe=describe_roster, imported_anything=lambda c: bool(c.get("created") or c.get("updated") or c.get("unchanged")),
    text_columns=("student_no", "phone"),
)


# --- certification lists ----------------------------------------------------------------------------

LIST_SPEC = Spec(
    columns=(
        Column("student_no", ("学号", "student_no"), _l("Student number"), student_no_value, required=False),
        Column("national_id", ("身份证号", "national_id"), _l("National ID number"), national_id_value, required=False,
               hint=_l("Matched by keyed hash; never stored in clear.")),
        Column("name", ("姓名", "name"), _l("Name"), text_value(100)),
    ),
    one_of=(("student_no", "national_id"),),
)


@dataclass
class ListPayload:
    flags: list[dict] = field(default_factory=list)


def plan_list(rows: list[dict], options: dict) -> Plan:
    category = options.get("category")
    list_name = (options.get("list_name") or "").strip()
    problems: list[Problem] = []
    if category not in set(HardshipCategory):
        problems.append(Problem(_("Choose the hardship category this list certifies.")))
    if not list_name or len(list_name) > 200:
        problems.append(Problem(_("Give the list a name of at most 200 characters.")))
    candidates: list[dict] = []
    for row in rows:
        if row.get("_bad"):
            continue
        if row.get("student_no") is None and row.get("national_id") is None:
            problems.append(Problem(_("Give a student number or a national ID number."), row=row["_row"]))
            continue
        candidates.append(row)

    by_number: dict[str, tuple] = {}
    numbers = [row["student_no"] for row in candidates if row.get("student_no")]
    for chunk in chunks(numbers):
        for record in db.session.execute(
            select(Student.id, Student.student_no, User.display_name)
            .join(User, User.id == Student.user_id).where(Student.student_no.in_(chunk))
        ):
            by_number[record.student_no] = (record.id, record.student_no, record.display_name)
    by_hash: dict[str, tuple] = {}
    hashes = [row["national_id"][0] for row in candidates if row.get("national_id")]
    for chunk in chunks(hashes):
        for record in db.session.execute(
            select(Student.id, Student.student_no, User.display_name, Student.national_id_hash)
            .join(User, User.id == Student.user_id).where(Student.national_id_hash.in_(chunk))
        ):
            by_hash[record.national_id_hash] = (record.id, record.student_no, record.display_name)

    matched: dict[int, dict] = {}  # student id -> the first row that matched them
    unmatched = 0
    for row in candidates:
        found, matched_by = None, None
        if row.get("student_no") and row["student_no"] in by_number:
            found, matched_by = by_number[row["student_no"]], "student_no"
        elif row.get("national_id") and row["national_id"][0] in by_hash:
            found, matched_by = by_hash[row["national_id"][0]], "national_id"
        if found is None:
            unmatched += 1
            who = row.get("student_no") or (row["national_id"][1] if row.get("national_id") else "")
            problems.append(Problem(_("%(who)s %(name)s matches no student in the portal.", who=who, name=row["name"] or ""),
                                    row=row["_row"], severity="unmatched"))
            continue
        student_id, student_no, portal_name = found
        if row["name"] and row["name"] != portal_name:
            problems.append(Problem(_("The name on the list (%(listed)s) differs from the portal's (%(portal)s) for %(no)s.",
                                      listed=row["name"], portal=portal_name, no=student_no),
                                    row=row["_row"], column=_label(LIST_SPEC, "name"), severity="warning"))
        if student_id in matched:
            problems.append(Problem(_("Student %(no)s is already on the list in row %(row)d.", no=student_no,
                                      row=matched[student_id]["row"]), row=row["_row"], severity="warning"))
            continue
        matched[student_id] = dict(row=row["_row"], student_no=student_no, name=portal_name, matched_by=matched_by)

    ids = list(matched)
    claims: dict[int, str] = {}
    flagged: set[int] = set()
    if category in set(HardshipCategory):
        for chunk in chunks(ids):
            claims.update(db.session.execute(
                select(HardshipClaim.student_id, HardshipClaim.status)
                .where(HardshipClaim.category == category, HardshipClaim.student_id.in_(chunk))
            ).all())
            flagged.update(db.session.scalars(
                select(ListMatch.student_id).where(ListMatch.category == category, ListMatch.list_name == list_name,
                                                   ListMatch.student_id.in_(chunk))
            ))
    counts = {"matched": len(matched), "flagged": 0, "already_flagged": 0, "in_ledger": 0, "pending": 0,
              "unmatched": unmatched}
    payload = ListPayload()
    details: list[dict] = []
    for student_id, info in matched.items():
        status = claims.get(student_id)
        if status == ClaimStatus.VERIFIED:
            outcome = "in_ledger"
        elif status in (ClaimStatus.PENDING, ClaimStatus.NEEDS_MORE):
            outcome = "pending"
        elif student_id in flagged:
            outcome = "already_flagged"
        else:  # no claim, or a rejected one: worth a discreet second look
            outcome = "flagged"
            payload.flags.append(dict(student_id=student_id, matched_by=info["matched_by"]))
        counts[outcome] += 1
        if len(details) < DETAILS_SHOWN:
            details.append(dict(row=info["row"], student_no=info["student_no"], name=info["name"], action=outcome,
                                changes={}))
    return Plan(problems=problems, counts=counts, details=details, payload=payload)


def apply_list(plan: Plan, *, actor, options: dict) -> dict:
    now = utcnow()
    rows = [dict(student_id=flag["student_id"], category=options["category"], list_name=options["list_name"].strip(),
                 matched_by=flag["matched_by"], imported_at=now, imported_by_id=getattr(actor, "id", None))
            for flag in plan.payload.flags]
    for chunk in chunks(rows, 2000):
        db.session.execute(insert(ListMatch), chunk)
    if rows:
        from portal.students import signals

        signals.notify_mentors([row["student_id"] for row in rows], signals.NEW_FLAGS)
    return dict(plan.counts)


def describe_list(counts: dict) -> str:
    return _("%(matched)d matched: %(flagged)d flagged for follow-up, %(already)d already flagged, "
             "%(ledger)d already in the ledger, %(pending)d with a claim awaiting verification; %(unmatched)d matching nobody",
             matched=counts.get("matched", 0), flagged=counts.get("flagged", 0), already=counts.get("already_flagged", 0),
             ledger=counts.get("in_ledger", 0), pending=counts.get("pending", 0), unmatched=counts.get("unmatched", 0))


CERTIFICATION_LIST = Importer(
    key="list", label=_l("Certification list"), spec=LIST_SPEC, plan=plan_list, apply=apply_list,
    describe=describe_list, imported_anything=lambda c: bool(c.get("matched")),
    text_columns=("student_no", "national_id"),
)


# --- campus-card spending ------------------------------------------------------------------------------

SPENDING_SPEC = Spec(columns=(
    Column("student_no", ("学号", "student_no"), _l("Student number"), student_no_value),
    Column("month", ("月份", "month"), _l("Month"), month_value, hint=_l("YYYY-MM, e.g. 2026-03")),
    Column("canteen_amount", ("食堂消费金额", "canteen_amount"), _l("Canteen spending (yuan)"),
           money_value(Decimal("100000")), hint=_l("In yuan, e.g. 612.50")),
    Column("meal_count", ("就餐次数", "meal_count"), _l("Canteen meals"), integer_value(0, 1000)),
))


def plan_spending(rows: list[dict], options: dict) -> Plan:
    problems: list[Problem] = []
    this_month = local_today().strftime("%Y-%m")
    seen: dict[tuple, int] = {}
    valid: list[dict] = []
    for row in rows:
        if row.get("_bad"):
            continue
        if row["month"] > this_month:
            problems.append(Problem(_("%(month)s is in the future.", month=row["month"]), row=row["_row"], column=_label(SPENDING_SPEC, "month")))
            continue
        key = (row["student_no"], row["month"])
        if key in seen:
            problems.append(Problem(_("Student %(no)s already has %(month)s in row %(row)d.", no=key[0], month=key[1],
                                      row=seen[key]), row=row["_row"]))
            continue
        seen[key] = row["_row"]
        valid.append(row)

    ids: dict[str, int] = {}
    for chunk in chunks(sorted({row["student_no"] for row in valid})):
        ids.update(db.session.execute(select(Student.student_no, Student.id).where(Student.student_no.in_(chunk))).all())
    known = [row for row in valid if row["student_no"] in ids]
    skipped = len(valid) - len(known)
    if skipped:
        # the card office exports every student; those not in the roster are simply left out
        problems.append(Problem(ngettext("%(num)d row is for a student number not in the portal; it will be skipped.",
                                         "%(num)d rows are for student numbers not in the portal; they will be skipped.",
                                         skipped), severity="warning"))
    existing: dict[tuple, tuple] = {}
    months = sorted({row["month"] for row in known})
    student_ids = sorted({ids[row["student_no"]] for row in known})
    for chunk in chunks(student_ids):
        for record in db.session.execute(
            select(SpendingRecord.id, SpendingRecord.student_id, SpendingRecord.month, SpendingRecord.canteen_amount,
                   SpendingRecord.meal_count)
            .where(SpendingRecord.student_id.in_(chunk), SpendingRecord.month.in_(months))
        ):
            existing[(record.student_id, record.month)] = (record.id, record.canteen_amount, record.meal_count)
    inserts: list[dict] = []
    updates: list[dict] = []
    unchanged = 0
    for row in known:
        student_id = ids[row["student_no"]]
        amount = Decimal(row["canteen_amount"])
        current = existing.get((student_id, row["month"]))
        if current is None:
            inserts.append(dict(student_id=student_id, month=row["month"], canteen_amount=amount,
                                meal_count=row["meal_count"]))
        elif Decimal(current[1]) != amount or current[2] != row["meal_count"]:
            updates.append(dict(id=current[0], canteen_amount=amount, meal_count=row["meal_count"]))
        else:
            unchanged += 1
    counts = {"created": len(inserts), "updated": len(updates), "unchanged": unchanged, "skipped": skipped}
    return Plan(problems=problems, counts=counts, payload=(inserts, updates))


def apply_spending(plan: Plan, *, actor, options: dict) -> dict:
    from portal.students import signals

    inserts, updates = plan.payload
    for chunk in chunks(inserts, 2000):
        db.session.execute(insert(SpendingRecord), chunk)
    for chunk in chunks(updates, 2000):
        db.session.execute(update(SpendingRecord), chunk)
    counts = dict(plan.counts)
    counts["new_signals"] = signals.refresh_signals().new if (inserts or updates) else 0
    return counts


def describe_spending(counts: dict) -> str:
    return _("%(created)d months added, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d rows skipped "
             "(student not in the portal); %(signals)d new hidden-hardship signals",
             created=counts.get("created", 0), updated=counts.get("updated", 0), unchanged=counts.get("unchanged", 0),
             skipped=counts.get("skipped", 0), signals=counts.get("new_signals", 0))


SPENDING = Importer(
    key="spending", label=_l("Campus-card spending"), spec=SPENDING_SPEC, plan=plan_spending, apply=apply_spending,
    describe=describe_spending,
    imported_anything=lambda c: bool(c.get("created") or c.get("updated") or c.get("unchanged")),
    text_columns=("student_no", "month"),
)

KINDS: dict[str, Importer] = {kind.key: kind for kind in (ROSTER, CERTIFICATION_LIST, SPENDING)}


def template_bytes(kind: Importer) -> bytes:
    """The kind's template: the Chinese header row, text-formatted key columns, and a notes sheet."""
    keys = ROSTER_TEMPLATE_KEYS if kind is ROSTER else tuple(c.key for c in kind.spec.columns)
    columns = [kind.spec.column(k) for k in keys]
    notes = []
    for column in kind.spec.columns:
        required = _("required") if column.required else _("optional")
        notes.append([column.names[0], column.names[1], f"{column.label} ({required}). {column.hint}".strip()])
    return spreadsheets.workbook(
        spreadsheets.Sheet(str(kind.label), header=[c.names[0] for c in columns], widths=[16] * len(columns),
                           text_columns=[i for i, c in enumerate(columns) if c.key in kind.text_columns],
                           blank_rows=200),
        spreadsheets.Sheet(_("Notes"), notes, header=[_("Column"), _("English header"), _("What to enter")],
                           widths=(18, 18, 70)),
    )


def commit(kind: Importer, rows: list[dict], *, options: dict, actor, filename: str, file_sha256: str,
           via: str = "web", note: str = "") -> ImportBatch:
    """Import checked rows all or nothing (imports.commit) and keep the batch in the history and the
    audit log; the caller commits. Raises RowsRejected, having written nothing, when any row has an error."""
    counts = imports.commit(kind, rows, options=options, actor=actor)
    batch = ImportBatch(
        kind=kind.key, filename=filename[:255], file_sha256=file_sha256, row_count=len(rows), counts=counts,
        options={k: v for k, v in options.items() if isinstance(v, (str, int))}, via=via,
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(batch)
    db.session.flush()
    summary = ", ".join(f"{k}={v}" for k, v in counts.items())
    audit.record(actor, f"import.{kind.key}", batch,
                 detail=f"via={via}{note} file={filename} sha256={file_sha256[:16]} rows={len(rows)} {summary}")
    return batch
