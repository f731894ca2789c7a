"""Matching students to open postings: a transparent additive score, the reasons behind it, and the
batch that precomputes every student's top postings.

The score of a posting for a student is a sum of weighted rules (major, degree, licence, region,
home province, hospital level asked for and realistic for the degree, openness to grassroots work,
post type, standardised training, emerging field), less penalties learnt from the postings the
student marked "not interested". Major and degree are hard requirements. Each rule that fired is one
bit of `reason_bits`; the page turns the bits back into sentences, so what the student reads is
exactly what was scored.

Speed: postings are prefiltered per (major, degree) group of students, and each group is scored as
one students × postings matrix with numpy, so 20,000 students × 2,000 postings take seconds.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timezone

import numpy as np
from sqlalchemy import delete, insert, or_, select

from portal import settings
from portal.clock import local_today
from portal.extensions import db
from portal.i18n import gettext as _
from portal.jobs import vocab
from portal.jobs.models import (
    Application,
    JobPosting,
    MatchFeedback,
    PostingMajor,
    Recommendation,
    StudentLicence,
)
from portal.models_base import utcnow
from portal.students.models import Student

DEFAULT_WEIGHTS = {
    "major": 30,  # the posting lists the student's major
    "any_major": 12,  # the posting is open to any major
    "degree": 10,  # the degree is the one asked for (half when above it)
    "licence": 12,  # holds the licence required (minus when it is missing)
    "region": 20,  # in a province the student prefers
    "home": 10,  # in the student's home province
    "level": 15,  # a hospital level the student asked for
    "realism": 10,  # a hospital level where graduates of this degree are usually hired
    "grassroots": 15,  # a grassroots unit, for a student open to grassroots work (half for "maybe")
    "post_type": 15,  # a post type the student asked for
    "residency": 15,  # a 规培 base for a student planning standardised training
    "emerging": 6,  # an emerging field
    "declined": 15,  # minus, per kind of posting the student declined (region, type, level, pay, field)
}
WEIGHT_MAX = 100
settings.declare("jobs.weights", DEFAULT_WEIGHTS)
settings.declare("jobs.per_student", 20)  # recommendations kept per student
settings.declare("jobs.discovery_slots", 2)  # of those, at least this many grassroots / emerging posts

# realism of each hospital tier (3 = tertiary … 1 = primary; 0 = not a graded hospital) per degree
REALISM = {
    "bachelor": {3: 0.3, 2: 1.0, 1: 1.0, 0: 0.5},
    "master": {3: 0.8, 2: 1.0, 1: 0.5, 0: 0.5},
    "doctor": {3: 1.0, 2: 0.5, 1: 0.2, 0: 0.5},
}
GRASSROOTS_FACTOR = {"yes": 1.0, "maybe": 0.5}
DISCOVERY_POSITIONS = (2, 5, 8, 11)  # where surfaced posts are placed in the list (0-based)

# reason bits
MAJOR, ANY_MAJOR, DEGREE_FIT, DEGREE_ABOVE, LICENCE_HELD, LICENCE_MISSING = (1 << i for i in range(6))
REGION, HOME, GRASSROOTS_HOME, LEVEL, REALISTIC_LEVEL, GRASSROOTS_OPEN = (1 << i for i in range(6, 12))
POST_TYPE, RESIDENCY, EMERGING, SURFACED_GRASSROOTS, SURFACED_EMERGING = (1 << i for i in range(12, 17))
DECLINED_REGION, DECLINED_TYPE, DECLINED_LEVEL, DECLINED_PAY, DECLINED_FIELD = (1 << i for i in range(17, 22))

PROVINCE_INDEX = {name: i for i, name in enumerate(vocab.PROVINCES)}
NO_PROVINCE = len(vocab.PROVINCES)
LEVEL_CODES = ["", *vocab.HOSPITAL_LEVELS]
LEVEL_INDEX = {code: i for i, code in enumerate(LEVEL_CODES)}
TYPE_CODES = list(vocab.POST_TYPES)
TYPE_INDEX = {code: i for i, code in enumerate(TYPE_CODES)}
LICENCE_CODES = ["", *vocab.LICENCES]
LICENCE_INDEX = {code: i for i, code in enumerate(LICENCE_CODES)}
CHUNK = 2000  # students scored in one matrix
SAME_TITLE = 2  # posts of one title in a student's list, while other posts are left


def weights(stored: dict | None = None) -> dict[str, int]:
    """The scoring weights: the setting "jobs.weights" (or `stored`, its value already read) over the defaults."""
    stored = (settings.get("jobs.weights") if stored is None else stored) or {}
    return {key: int(stored.get(key, default)) for key, default in DEFAULT_WEIGHTS.items()}


TUNING = ("jobs.weights", "jobs.per_student", "jobs.discovery_slots")


def tuning() -> dict:
    """The three settings the match-quality page edits, as settings.get() reads them, in one query."""
    from portal.main.models import Setting

    stored = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(TUNING))).all())
    return {key: stored[key] if key in stored else settings.DEFAULTS[key] for key in TUNING}


def open_postings_filter(today: date | None = None):
    today = today or local_today()
    return (JobPosting.status == "published") & or_(JobPosting.deadline.is_(None), JobPosting.deadline >= today)


# --- reading students' intentions tolerantly (codes, Chinese or English spellings) ---------------

def _codes(kind: str, values) -> set[str]:
    found = set()
    for value in values or ():
        code = vocab.parse_code(kind, value)
        if code:
            found.add(code)
    return found


def _provinces(values) -> set[str]:
    return {p for p in (vocab.province(v) for v in values or ()) if p}


# --- the batch ------------------------------------------------------------------------------------

@dataclass
class BatchResult:
    students: int = 0
    postings: int = 0
    recommendations: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _field_key(emerging_field: str | None, title: str) -> str:
    return f"field:{emerging_field}" if emerging_field else f"title:{title}"


class _Postings:
    """The open postings as arrays, indexed 0..M-1."""

    def __init__(self, rows, majors):
        self.ids = np.array([r.id for r in rows], dtype=np.int64)
        self.province = np.array([PROVINCE_INDEX.get(r.province, NO_PROVINCE) for r in rows], dtype=np.int16)
        self.level = np.array([LEVEL_INDEX.get(r.hospital_level or "", 0) for r in rows], dtype=np.int16)
        self.tier = np.array([vocab.LEVEL_TIER.get(r.hospital_level or "", 1 if r.grassroots else 0) for r in rows],
                             dtype=np.int16)
        self.type = np.array([TYPE_INDEX.get(r.post_type, TYPE_INDEX["other"]) for r in rows], dtype=np.int16)
        self.grassroots = np.array([bool(r.grassroots) for r in rows], dtype=bool)
        self.emerging = np.array([bool(r.emerging_field) for r in rows], dtype=bool)
        self.licence = np.array([LICENCE_INDEX.get(r.licence_required or "", 0) for r in rows], dtype=np.int16)
        self.min_rank = np.array([vocab.DEGREE_RANK.get(r.min_degree, 1) for r in rows], dtype=np.int16)
        self.any_major = np.array([bool(r.any_major) for r in rows], dtype=bool)
        self.salary_max = np.array([r.salary_max if r.salary_max is not None else np.nan for r in rows], dtype=np.float64)
        # "the same kind of work": the emerging field when there is one, else the post's title
        self.field = np.array([hash(_field_key(r.emerging_field, r.title)) for r in rows], dtype=np.int64)
        self.title = np.array([hash(r.title) for r in rows], dtype=np.int64)
        order = sorted(range(len(rows)), key=lambda i: (rows[i].deadline or date.max, rows[i].id))
        # ties are broken by the sooner deadline, then the older posting: a tiny, deterministic nudge
        self.tiebreak = np.zeros(len(rows), dtype=np.float64)
        if rows:
            self.tiebreak[np.array(order, dtype=np.int64)] = (len(rows) - np.arange(len(rows))) / (len(rows) + 1) * 0.01
        self.index = {pid: i for i, pid in enumerate(self.ids.tolist())}
        self.listed: dict[str, np.ndarray] = {}
        by_major: dict[str, list[int]] = defaultdict(list)
        for posting_id, major in majors:
            i = self.index.get(posting_id)
            if i is not None:
                by_major[major].append(i)
        for major, indices in by_major.items():
            mask = np.zeros(len(rows), dtype=bool)
            mask[np.array(indices, dtype=np.int64)] = True
            self.listed[major] = mask

    def __len__(self) -> int:
        return len(self.ids)


def _load(student_ids, today):
    posting_rows = db.session.execute(
        select(
            JobPosting.id, JobPosting.province, JobPosting.hospital_level, JobPosting.post_type, JobPosting.grassroots,
            JobPosting.emerging_field, JobPosting.licence_required, JobPosting.min_degree, JobPosting.any_major,
            JobPosting.salary_max, JobPosting.title, JobPosting.deadline,
        ).where(open_postings_filter(today)).order_by(JobPosting.id)
    ).all()
    majors = db.session.execute(
        select(PostingMajor.posting_id, PostingMajor.major)
        .join(JobPosting, JobPosting.id == PostingMajor.posting_id).where(open_postings_filter(today))
    ).all()
    student_stmt = select(
        Student.id, Student.major, Student.degree_level, Student.home_province, Student.intended_regions,
        Student.intended_hospital_levels, Student.intended_post_types, Student.grassroots_openness,
        Student.standardized_training,
    ).order_by(Student.id)
    licence_stmt = select(StudentLicence.student_id, StudentLicence.licence)
    excluded_stmt = select(MatchFeedback.student_id, MatchFeedback.posting_id).where(MatchFeedback.dismissed_at.is_not(None))
    applied_stmt = select(Application.student_id, Application.posting_id).where(Application.posting_id.is_not(None))
    declined_stmt = (
        select(
            MatchFeedback.student_id, MatchFeedback.dismiss_reason, JobPosting.province, JobPosting.post_type,
            JobPosting.hospital_level, JobPosting.salary_max, JobPosting.title, JobPosting.emerging_field,
        )
        .join(JobPosting, JobPosting.id == MatchFeedback.posting_id)
        .where(MatchFeedback.dismissed_at.is_not(None))
    )
    if student_ids is not None:
        student_stmt = student_stmt.where(Student.id.in_(student_ids))
        licence_stmt = licence_stmt.where(StudentLicence.student_id.in_(student_ids))
        excluded_stmt = excluded_stmt.where(MatchFeedback.student_id.in_(student_ids))
        applied_stmt = applied_stmt.where(Application.student_id.in_(student_ids))
        declined_stmt = declined_stmt.where(MatchFeedback.student_id.in_(student_ids))
    students = db.session.execute(student_stmt).all()
    licences: dict[int, set[str]] = defaultdict(set)
    for sid, licence in db.session.execute(licence_stmt):
        licences[sid].add(licence)
    excluded: dict[int, list[int]] = defaultdict(list)
    for sid, pid in db.session.execute(excluded_stmt):
        excluded[sid].append(pid)
    for sid, pid in db.session.execute(applied_stmt):
        excluded[sid].append(pid)
    declined: dict[int, list] = defaultdict(list)
    for row in db.session.execute(declined_stmt):
        declined[row.student_id].append(row)
    return _Postings(posting_rows, majors), students, licences, excluded, declined


def _declined_penalties(rows, postings: _Postings, cols: np.ndarray, w: int):
    """Penalty and reason bits, over the columns `cols`, for postings like those the student declined."""
    penalty = np.zeros(len(cols), dtype=np.float64)
    bits = np.zeros(len(cols), dtype=np.int64)
    provinces = {PROVINCE_INDEX.get(r.province, NO_PROVINCE) for r in rows if r.dismiss_reason == "region"}
    types = {TYPE_INDEX.get(r.post_type, -1) for r in rows if r.dismiss_reason == "post_type"}
    levels = {LEVEL_INDEX.get(r.hospital_level or "", -1) for r in rows if r.dismiss_reason == "hospital_level" and r.hospital_level}
    pay = [r.salary_max for r in rows if r.dismiss_reason == "pay" and r.salary_max is not None]
    fields = {hash(_field_key(r.emerging_field, r.title)) for r in rows if r.dismiss_reason == "not_my_field"}
    checks = []
    if provinces:
        checks.append((np.isin(postings.province[cols], list(provinces)), DECLINED_REGION))
    if types:
        checks.append((np.isin(postings.type[cols], list(types)), DECLINED_TYPE))
    if levels:
        checks.append((np.isin(postings.level[cols], list(levels)), DECLINED_LEVEL))
    if pay:
        salary = postings.salary_max[cols]
        checks.append((~(salary > max(pay)), DECLINED_PAY))  # no more pay than what was declined, or unknown
    if fields:
        checks.append((np.isin(postings.field[cols], list(fields)), DECLINED_FIELD))
    for hit, bit in checks:
        penalty += w * hit
        bits |= np.where(hit, bit, 0)
    return penalty, bits


def _score_group(students, degree, listed, postings: _Postings, cols: np.ndarray, w, licences, excluded, declined,
                 per_student: int, discovery_slots: int, local_of: np.ndarray):
    """Scores one chunk of students of one (major, degree) against their eligible postings `cols`.
    Returns (student_id, [(posting_index, score, bits, discovery), …]) per student."""
    g, e = len(students), len(cols)
    p_province = postings.province[cols]
    p_level = postings.level[cols]
    p_type = postings.type[cols]
    p_grass = postings.grassroots[cols]
    p_emerg = postings.emerging[cols]
    p_lic = postings.licence[cols]
    p_title = postings.title[cols]
    p_listed = listed[cols]
    rank = vocab.DEGREE_RANK.get(degree, 1)
    exact = postings.min_rank[cols] == rank
    realism_of = REALISM.get(degree, REALISM["bachelor"])
    realism = np.array([realism_of[t] for t in range(4)])[postings.tier[cols]]

    base = (w["major"] * p_listed + w["any_major"] * ~p_listed + w["degree"] * np.where(exact, 1.0, 0.5)
            + w["realism"] * realism + w["emerging"] * p_emerg + postings.tiebreak[cols])
    base_bits = (np.where(p_listed, MAJOR, ANY_MAJOR) | np.where(exact, DEGREE_FIT, DEGREE_ABOVE)
                 | np.where(realism >= 1.0, REALISTIC_LEVEL, 0) | np.where(p_emerg, EMERGING, 0)).astype(np.int64)

    region_mask = np.zeros((g, NO_PROVINCE + 1), dtype=bool)
    level_mask = np.zeros((g, len(LEVEL_CODES)), dtype=bool)
    type_mask = np.zeros((g, len(TYPE_CODES)), dtype=bool)
    held_mask = np.zeros((g, len(LICENCE_CODES)), dtype=bool)
    home = np.full(g, -1, dtype=np.int16)
    training = np.zeros(g, dtype=bool)
    grass_factor = np.zeros(g, dtype=np.float64)
    not_closed = np.ones(g, dtype=bool)  # not "no" to grassroots work
    for i, s in enumerate(students):
        for p in _provinces(s.intended_regions):
            region_mask[i, PROVINCE_INDEX[p]] = True
        for code in _codes("hospital_level", s.intended_hospital_levels):
            level_mask[i, LEVEL_INDEX[code]] = True
        for code in _codes("post_type", s.intended_post_types):
            type_mask[i, TYPE_INDEX[code]] = True
        for code in licences.get(s.id, ()):
            if code in LICENCE_INDEX:
                held_mask[i, LICENCE_INDEX[code]] = True
        home_province = vocab.province(s.home_province)
        if home_province:
            home[i] = PROVINCE_INDEX[home_province]
        training[i] = bool(s.standardized_training)
        grass_factor[i] = GRASSROOTS_FACTOR.get(s.grassroots_openness or "", 0.0)
        not_closed[i] = s.grassroots_openness != "no"

    region_hit = region_mask[:, p_province]
    home_hit = home[:, None] == p_province[None, :]
    level_hit = level_mask[:, p_level] & (p_level > 0)[None, :]
    type_hit = type_mask[:, p_type]
    residency_hit = training[:, None] & (p_type == TYPE_INDEX["residency"])[None, :]
    grass_hit = (grass_factor > 0)[:, None] & p_grass[None, :]
    needs_licence = (p_lic > 0)[None, :]
    held = held_mask[:, p_lic]
    licence_held = needs_licence & held
    licence_missing = needs_licence & ~held

    score = (base[None, :] + w["region"] * region_hit + w["home"] * home_hit + w["level"] * level_hit
             + w["post_type"] * type_hit + w["residency"] * residency_hit
             + w["grassroots"] * grass_factor[:, None] * p_grass[None, :]
             + w["licence"] * (licence_held.astype(np.float64) - licence_missing))
    bits = (base_bits[None, :] | np.where(region_hit, REGION, 0) | np.where(home_hit & ~p_grass[None, :], HOME, 0)
            | np.where(home_hit & p_grass[None, :], GRASSROOTS_HOME, 0) | np.where(level_hit, LEVEL, 0)
            | np.where(type_hit, POST_TYPE, 0) | np.where(residency_hit, RESIDENCY, 0)
            | np.where(grass_hit, GRASSROOTS_OPEN, 0) | np.where(licence_held, LICENCE_HELD, 0)
            | np.where(licence_missing, LICENCE_MISSING, 0))

    for i, s in enumerate(students):
        gone = excluded.get(s.id)
        if gone:
            local = local_of[np.array([postings.index.get(pid, -1) for pid in gone], dtype=np.int64)]
            local = local[local >= 0]
            score[i, local] = -np.inf
        rows = declined.get(s.id)
        if rows:
            penalty, extra = _declined_penalties(rows, postings, cols, w["declined"])
            score[i] -= penalty
            bits[i] |= extra

    k = min(per_student, e)
    if k == 0:
        return [(s.id, []) for s in students]
    pool = min(3 * k, e)  # candidates, from which the list keeps some variety of posts
    top = np.argpartition(-score, pool - 1, axis=1)[:, :pool] if pool < e else np.tile(np.arange(e), (g, 1))
    top_scores = np.take_along_axis(score, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    top = np.take_along_axis(top, order, axis=1)

    surfaced_top = None
    if discovery_slots:
        discoverable = (p_grass[None, :] & not_closed[:, None]) | p_emerg[None, :]
        disc_score = np.where(discoverable, score, -np.inf)
        kd = min(discovery_slots + k, e)
        surfaced_top = np.argpartition(-disc_score, kd - 1, axis=1)[:, :kd] if kd < e else np.tile(np.arange(e), (g, 1))
        disc_sorted = np.take_along_axis(disc_score, surfaced_top, axis=1)
        surfaced_top = np.take_along_axis(surfaced_top, np.argsort(-disc_sorted, axis=1, kind="stable"), axis=1)

    results = []
    for i, s in enumerate(students):
        row_score = score[i]
        chosen = _varied([int(j) for j in top[i] if row_score[j] != -np.inf], p_title, k)
        surfaced: list[int] = []
        if surfaced_top is not None:
            have = sum(1 for j in chosen if p_grass[j] and not_closed[i] or p_emerg[j])
            want = discovery_slots - have
            if want > 0:
                in_list = set(chosen)
                for j in surfaced_top[i]:
                    j = int(j)
                    if want == 0 or row_score[j] == -np.inf or not ((p_grass[j] and not_closed[i]) or p_emerg[j]):
                        continue
                    if j not in in_list:
                        surfaced.append(j)
                        want -= 1
        if surfaced:
            chosen = chosen[: max(0, len(chosen) - len(surfaced))]
            for position, j in zip(DISCOVERY_POSITIONS, surfaced):
                chosen.insert(min(position, len(chosen)), j)
            surfaced_set = set(surfaced)
        else:
            surfaced_set = set()
        items = []
        for j in chosen:
            b = int(bits[i, j])
            discovery = j in surfaced_set
            if discovery:
                b |= SURFACED_GRASSROOTS if p_grass[j] and not_closed[i] else SURFACED_EMERGING
            items.append((int(cols[j]), int(round(row_score[j])), b, discovery))
        results.append((s.id, items))
    return results


def _varied(ranked: list[int], titles: np.ndarray, k: int) -> list[int]:
    """The best k, with at most SAME_TITLE posts of one title while others are left (ten identical
    规培 posts from ten provinces would hide everything else)."""
    chosen, held, seen = [], [], defaultdict(int)
    for j in ranked:
        title = int(titles[j])
        if seen[title] < SAME_TITLE:
            seen[title] += 1
            chosen.append(j)
            if len(chosen) == k:
                return chosen
        else:
            held.append(j)
    chosen.extend(held[: k - len(chosen)])
    return sorted(chosen, key=ranked.index) if held else chosen


def compute(*, student_ids=None, today: date | None = None, chunk: int = CHUNK) -> BatchResult:
    """Recompute the recommendations of every student (or of `student_ids`) against the open postings,
    replacing what was stored for them. Flushes; the caller commits."""
    result = BatchResult()
    clock = time.perf_counter()
    today = today or local_today()
    postings, students, licences, excluded, declined = _load(student_ids, today)
    w = weights()
    per_student = max(1, int(settings.get("jobs.per_student")))
    discovery_slots = max(0, min(int(settings.get("jobs.discovery_slots")), per_student // 2))
    result.students, result.postings = len(students), len(postings)
    result.seconds["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for s in students:
        groups[(s.major, s.degree_level)].append(s)
    rows = []
    computed_at = utcnow()
    empty = np.zeros(len(postings), dtype=bool)
    for (major, degree), members in groups.items():
        listed = postings.listed.get(major, empty)
        eligible = (listed | postings.any_major) & (postings.min_rank <= vocab.DEGREE_RANK.get(degree, 1))
        cols = np.flatnonzero(eligible)
        if len(cols) == 0:
            continue
        local_of = np.full(len(postings) + 1, -1, dtype=np.int64)  # last slot: postings no longer open
        local_of[cols] = np.arange(len(cols))
        for start in range(0, len(members), chunk):
            for sid, items in _score_group(
                members[start:start + chunk], degree, listed, postings, cols, w, licences, excluded, declined,
                per_student, discovery_slots, local_of,
            ):
                for rank, (index, score, bits, discovery) in enumerate(items, start=1):
                    rows.append((sid, int(postings.ids[index]), rank, score, bits, discovery))
    result.seconds["score"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _store(rows, student_ids, computed_at)
    result.recommendations = len(rows)
    result.seconds["store"] = time.perf_counter() - clock
    return result


def _store(rows, student_ids, computed_at) -> None:
    table = Recommendation.__table__
    if student_ids is None:
        db.session.execute(delete(Recommendation))
    else:
        for start in range(0, len(student_ids), 500):
            db.session.execute(delete(Recommendation).where(Recommendation.student_id.in_(student_ids[start:start + 500])))
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # COPY is many times faster than INSERT for hundreds of thousands of rows
        stamp = computed_at.replace(tzinfo=None)
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(
            "COPY job_recommendations (student_id, posting_id, rank, score, reason_bits, discovery, computed_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row, stamp))
        return
    if connection.dialect.name == "sqlite":
        # the driver's executemany with plain tuples; the time is stored as SQLAlchemy stores it
        stamp = computed_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        connection.exec_driver_sql(
            "INSERT INTO job_recommendations (student_id, posting_id, rank, score, reason_bits, discovery, computed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(*row, stamp) for row in rows],
        )
        return
    columns = ("student_id", "posting_id", "rank", "score", "reason_bits", "discovery")
    for start in range(0, len(rows), 20000):
        db.session.execute(
            insert(table),
            [dict(zip(columns, row), computed_at=computed_at) for row in rows[start:start + 20000]],
        )


# --- explaining a score -----------------------------------------------------------------------------

def explain(bits: int, posting, student) -> list[tuple[str, str]]:
    """The reasons, as (kind, sentence) in the reader's language; kind is "plus", "minus" or "surfaced".
    Only the rules that fired are translated (this runs for every card on the page)."""
    out: list[tuple[str, str]] = []
    for bit, kind, sentence in _SENTENCES:
        if bits & bit:
            text = sentence(posting, student)
            if text:
                out.append((kind, text))
    return out


def _level(p) -> str:
    return vocab.label(vocab.HOSPITAL_LEVELS, p.hospital_level)


def _type(p) -> str:
    return vocab.label(vocab.POST_TYPES, p.post_type)


def _degree(p) -> str:
    return vocab.label(vocab.DEGREES, p.min_degree)


def _licence(p) -> str:
    return vocab.label(vocab.LICENCES, p.licence_required)


_SENTENCES = [
    (SURFACED_GRASSROOTS, "surfaced", lambda p, s: _(
        "Shown although you did not ask for it: grassroots units need graduates, often ask less of them "
        "and offer room to grow, and this post fits your major and degree.")),
    (SURFACED_EMERGING, "surfaced", lambda p, s: _(
        "Shown although you did not ask for it: an emerging field where demand is high, and this post fits "
        "your major and degree.")),
    (MAJOR, "plus", lambda p, s: _("Matches your major %(major)s", major=s.major)),
    (ANY_MAJOR, "plus", lambda p, s: _("Open to graduates of any major")),
    (DEGREE_FIT, "plus", lambda p, s: _("Your degree meets the requirement (%(degree)s or above)", degree=_degree(p))),
    (DEGREE_ABOVE, "plus", lambda p, s: _("Your degree is above the requirement (%(degree)s or above)", degree=_degree(p))),
    (LICENCE_HELD, "plus", lambda p, s: _("You hold the required %(licence)s", licence=_licence(p))),
    (LICENCE_MISSING, "minus", lambda p, s: _("Requires %(licence)s, which you have not recorded", licence=_licence(p))),
    (GRASSROOTS_HOME, "plus", lambda p, s: _("Grassroots post in your home province %(province)s", province=p.province)),
    (REGION, "plus", lambda p, s: _("In %(province)s, a region you prefer", province=p.province)),
    (HOME, "plus", lambda p, s: _("In your home province %(province)s", province=p.province)),
    (LEVEL, "plus", lambda p, s: _("A hospital level you asked for (%(level)s)", level=_level(p))),
    (REALISTIC_LEVEL, "plus", lambda p, s: p.hospital_level and _(
        "A realistic level for your degree: %(level)s hospitals often hire graduates like you", level=_level(p))),
    (GRASSROOTS_OPEN, "plus", lambda p, s: _(
        "A grassroots post (%(kind)s), and you are open to grassroots work",
        kind=vocab.label(vocab.GRASSROOTS_TYPES, p.grassroots_type) or _("grassroots unit"))),
    (POST_TYPE, "plus", lambda p, s: _("A post type you asked for (%(type)s)", type=_type(p))),
    (RESIDENCY, "plus", lambda p, s: _("A standardised residency training (规培) base, as you plan")),
    (EMERGING, "plus", lambda p, s: _("An emerging field with growing demand: %(field)s",
                                      field=vocab.label(vocab.EMERGING_FIELDS, p.emerging_field))),
    (DECLINED_REGION, "minus", lambda p, s: _("Ranked lower: you declined posts in %(province)s", province=p.province)),
    (DECLINED_TYPE, "minus", lambda p, s: _("Ranked lower: you declined posts of this type (%(type)s)", type=_type(p))),
    (DECLINED_LEVEL, "minus", lambda p, s: _("Ranked lower: you declined posts at this hospital level (%(level)s)",
                                             level=_level(p))),
    (DECLINED_PAY, "minus", lambda p, s: _("Ranked lower: you declined posts paying no more than this")),
    (DECLINED_FIELD, "minus", lambda p, s: _("Ranked lower: you said similar posts are not your field")),
]
