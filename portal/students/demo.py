"""Demo data of the students feature: intentions, caseloads, the hardship ledger and interventions.

Built with bulk statements so 20,000 students take seconds: a handful of INSERTs and one
executemany UPDATE, never one round trip per student.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from portal.extensions import db
from portal.students.models import (
    HardshipClaim,
    Intervention,
    MentorAssignment,
    ProfileChange,
    Student,
    Verification,
)
from portal.students.claims import DEFAULT_CHECKLIST, ensure_default_checklist

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEST = {"贵州", "云南", "甘肃", "广西", "四川", "重庆", "西藏", "青海", "宁夏", "新疆", "内蒙古", "陕西"}
POPULAR_REGIONS = ["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "河北", "天津"]
CLINICAL = {"临床医学", "麻醉学", "医学影像学", "儿科学", "精神医学", "口腔医学", "中医学", "针灸推拿学", "中西医临床医学"}

CATEGORY_WEIGHTS = [
    ("financial_hardship", 50), ("poverty_alleviated", 20), ("low_income_guarantee", 9), ("low_income_family", 8),
    ("zero_employment_family", 3), ("disabled", 3), ("orphan", 2), ("extreme_poverty_support", 1.5), ("other", 3.5),
]
SOURCE_WEIGHTS = {
    "financial_hardship": [("self_declared", 55), ("counselor", 35), ("data_signal", 10)],
    "poverty_alleviated": [("government_list", 70), ("self_declared", 20), ("counselor", 10)],
    "low_income_guarantee": [("government_list", 70), ("self_declared", 20), ("counselor", 10)],
    "extreme_poverty_support": [("government_list", 80), ("counselor", 20)],
    "zero_employment_family": [("government_list", 60), ("self_declared", 25), ("counselor", 15)],
    "low_income_family": [("government_list", 50), ("self_declared", 50)],
    "disabled": [("self_declared", 60), ("counselor", 40)],
    "orphan": [("counselor", 60), ("self_declared", 40)],
    "other": [("counselor", 60), ("self_declared", 40)],
}
EVIDENCE = {
    "financial_hardship": [
        "<p>已提交家庭经济困难认定申请表。父母务农，家中还有{n}个弟妹在读，年收入约{income}万元。</p>",
        "<p>班级民主评议通过；辅导员核对了村委会出具的家庭情况说明。</p>",
        "<p>父亲{year}年因病失去劳动能力，母亲打零工，家庭收入不稳定。</p>",
    ],
    "poverty_alleviated": ["<p>{province}脱贫户（原建档立卡户）名单中可查，已收到脱贫户证明复印件。</p>"],
    "low_income_guarantee": ["<p>提供{province}民政部门出具的城乡低保证明，有效期至{year}年12月。</p>"],
    "low_income_family": ["<p>乡镇民政办出具的低收入家庭认定材料，已存档。</p>"],
    "zero_employment_family": ["<p>家庭劳动年龄成员均无稳定就业，社区出具零就业家庭证明。</p>"],
    "disabled": ["<p>持有残疾人证（{kind}{level}级），复印件已存档；求职中需要合理便利。</p>"],
    "orphan": ["<p>父母均已去世，由祖父母抚养，村委会出具证明。</p>", "<p>父亲去世、母亲改嫁多年，事实无人抚养，民政部门有记录。</p>"],
    "extreme_poverty_support": ["<p>民政部门特困人员供养证明。</p>"],
    "other": ["<p>母亲重病长期住院，家庭负担重，辅导员家访了解情况。</p>", "<p>家中遭受洪灾，房屋受损，暂无稳定收入。</p>"],
}
NEEDS_MORE_NOTES = ["请补充最新一年的低保证明。", "证明材料已过期，需重新开具。", "需与学生面谈了解家庭近况。"]
REJECTED_NOTES = ["经核实家庭收入高于认定标准，建议关注其他帮扶方式。", "名单比对未找到该户，学生表示信息有误。"]

INTERVENTION_WEIGHTS = [
    ("talk", 25), ("phone_interview", 15), ("resume_coaching", 15), ("career_counseling", 12), ("mock_interview", 8),
    ("job_referral", 8), ("skills_training_referral", 5), ("financial_help", 5), ("home_visit", 2), ("other", 5),
]
CHANNEL_OF = {
    "talk": ["in_person", "in_person", "online"], "phone_interview": ["phone"], "home_visit": ["home_visit"],
    "resume_coaching": ["in_person", "online"], "mock_interview": ["in_person", "online"],
    "career_counseling": ["in_person", "online"], "job_referral": ["message", "phone", "in_person"],
    "skills_training_referral": ["message", "in_person"], "financial_help": ["in_person"], "other": ["message", "phone"],
    "psychological_counseling": ["in_person"],
}
NOTES = {
    "talk": ["<p>了解求职进展，学生目前倾向回{province}就业，已投递{n}家单位。</p>",
             "<p>谈心谈话：近期压力较大，鼓励其按计划准备，约定两周后再聊。</p>"],
    "phone_interview": ["<p>电话了解家庭近况和求职意向，学生希望进入二级以上医院。</p>"],
    "home_visit": ["<p>与辅导员一同家访，了解家庭经济状况，家长支持其到基层就业。</p>"],
    "resume_coaching": ["<p>修改简历：突出实习经历与<strong>执业医师资格</strong>考试准备情况。</p>",
                        "<p>简历结构调整，补充科研和志愿服务经历。</p>"],
    "mock_interview": ["<p>模拟结构化面试，回答条理清楚，需加强临床案例表达。</p>"],
    "career_counseling": ["<p>职业规划咨询：讨论考研与就业的取舍，建议同时准备规培招录。</p>",
                          "<p>介绍三支一扶、西部计划政策及报名时间。</p>"],
    "job_referral": ["<p>推荐{province}某县人民医院（二级甲等）招聘岗位，学生已投递。</p>",
                     "<p>推荐社区卫生服务中心合同制岗位。</p>"],
    "skills_training_referral": ["<p>推荐参加学校免费的计算机技能培训和面试技巧工作坊。</p>"],
    "financial_help": ["<p>协助申请求职创业补贴，材料已提交学院。</p>", "<p>发放面试交通补助。</p>"],
    "other": ["<p>通过微信转发招聘会信息。</p>"],
    "psychological_counseling": ["<p>心理咨询：求职焦虑，练习放松技巧，下次继续。</p>",
                                 "<p>情绪较上次稳定，睡眠改善。</p>"],
}


def _pick(rng, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights=weights)[0]


def _local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(timezone.utc)


def _intentions(rng, s) -> dict:
    rural = s["origin"] == "rural"
    if rng.random() < 0.12:  # has not filled them in yet
        return dict(intended_regions=[], intended_hospital_levels=[], intended_post_types=[], grassroots_openness=None,
                    further_study=None, standardized_training=False)
    regions = [s["home_province"]] if s["home_province"] else []
    for _ in range(rng.choice([0, 1, 1, 2])):
        region = rng.choice(POPULAR_REGIONS)
        if region not in regions:
            regions.append(region)
    levels = ["tertiary_a"] if rng.random() < 0.8 else []
    if rng.random() < (0.6 if rural else 0.35):
        levels += ["tertiary_b", "secondary_a"]
    if rng.random() < (0.35 if rural else 0.12):
        levels.append("grassroots")
    if not levels:
        levels = ["secondary_a"]
    clinical = s["major"] in CLINICAL
    posts = []
    if rng.random() < 0.8:
        posts.append("bianzhi")
    if rng.random() < 0.5:
        posts.append("contract")
    if clinical and rng.random() < 0.6:
        posts.append("residency")
    if rng.random() < (0.15 if rural else 0.05):
        posts.append(rng.choice(["special_post", "three_supports", "western"]))
    grassroots = _pick(rng, [("yes", 30), ("maybe", 45), ("no", 25)] if rural else [("yes", 12), ("maybe", 40), ("no", 48)])
    if s["degree_level"] == "bachelor":
        further = _pick(rng, [("none", 58), ("domestic", 37), ("abroad", 5)])
    else:
        further = _pick(rng, [("none", 78), ("domestic", 18), ("abroad", 4)])
    order = {"tertiary_a": 0, "tertiary_b": 1, "secondary_a": 3, "grassroots": 7}
    post_order = ["bianzhi", "contract", "dispatch", "residency", "special_post", "three_supports", "western"]
    return dict(
        intended_regions=regions,
        intended_hospital_levels=sorted(set(levels), key=order.get),
        intended_post_types=[p for p in post_order if p in posts],
        grassroots_openness=grassroots,
        further_study=further,
        standardized_training=clinical and s["degree_level"] == "bachelor" and rng.random() < 0.55,
    )


def _assign_primaries(students: list[dict], career: list[int]) -> dict[int, int]:
    """Each class goes to one career mentor of its college, balancing loads; student → mentor."""
    by_college: dict[str, list[dict]] = defaultdict(list)
    for s in students:
        by_college[s["college"]].append(s)
    colleges = sorted(by_college, key=lambda c: (-len(by_college[c]), c))
    load = Counter({m: 0 for m in career})
    mentors_of: dict[str, list[int]] = {}
    if len(career) < len(colleges):
        for college in colleges:  # fewer mentors than colleges: each mentor covers whole colleges
            mentor = min(career, key=lambda m: (load[m], m))
            mentors_of[college] = [mentor]
            load[mentor] += len(by_college[college])
    else:
        # one mentor per college, the rest shared out by size (largest remainder)
        total = len(students)
        share = {c: len(by_college[c]) * (len(career) - len(colleges)) / total for c in colleges}
        extra = {c: int(share[c]) for c in colleges}
        left = len(career) - len(colleges) - sum(extra.values())
        for c in sorted(colleges, key=lambda c: (-(share[c] - extra[c]), c))[:left]:
            extra[c] += 1
        pool = iter(career)
        for college in colleges:
            mentors_of[college] = [next(pool) for _ in range(1 + extra[college])]
    result: dict[int, int] = {}
    load = Counter()
    for college in colleges:
        classes: dict[str, list[dict]] = defaultdict(list)
        for s in by_college[college]:
            classes[s["class_name"] or ""].append(s)
        for name in sorted(classes, key=lambda n: (-len(classes[n]), n)):
            mentor = min(mentors_of[college], key=lambda m: (load[m], m))
            for s in classes[name]:
                result[s["id"]] = mentor
            load[mentor] += len(classes[name])
    return result


def seed(ctx) -> None:
    """The ledger, caseloads and interventions, then campus-card spending and list flags on top."""
    from portal.students.signals import seed_signals

    _seed_ledger(ctx)
    db.session.flush()
    seed_signals(ctx)


def _seed_ledger(ctx) -> None:
    # Inserts below use render_nulls: without it every pattern of empty columns is a statement of
    # its own and PostgreSQL gets thousands of small batches instead of a few large ones.
    rng = ctx.rng
    now = ctx.now
    today = now.astimezone(SHANGHAI).date()

    ensure_default_checklist()
    keys = [key for key, _, _ in DEFAULT_CHECKLIST]

    students = [dict(row._mapping) for row in db.session.execute(
        select(Student.id, Student.user_id, Student.college, Student.major, Student.class_name, Student.degree_level,
               Student.graduation_year, Student.origin, Student.home_province).order_by(Student.id)
    )]
    if not students or not ctx.mentor_ids:
        return
    first = students[0]  # student0001: the demo student has something on every page

    # mentors: the last tenth are psychological counselors, the rest career mentors by college
    n_psych = max(1, len(ctx.mentor_ids) // 10)
    career, psych = ctx.mentor_ids[:-n_psych], ctx.mentor_ids[-n_psych:]
    primary = _assign_primaries(students, career)
    # mentor01 looks after student0001's class, so both demo accounts meet
    if primary[first["id"]] != career[0]:
        a, b = career[0], primary[first["id"]]
        primary = {sid: (b if m == a else a if m == b else m) for sid, m in primary.items()}

    # the ledger: about three in ten students, more often from rural and western homes
    claims: list[dict] = []
    claimants: list[dict] = []
    for s in students:
        chance = 0.40 if s["origin"] == "rural" else 0.15
        if s["home_province"] in WEST:
            chance += 0.08
        if s is first or rng.random() < chance:
            claimants.append(s)
    for s in claimants:
        categories = ["financial_hardship"] if s is first else [_pick(rng, CATEGORY_WEIGHTS)]
        if rng.random() < 0.3:
            second = "financial_hardship" if categories[0] != "financial_hardship" else rng.choice(["poverty_alleviated", "low_income_family"])
            categories.append(second)
        created = now - timedelta(days=rng.randint(30, 300), hours=rng.randint(0, 8))
        for category in categories:
            source = "self_declared" if s is first else _pick(rng, SOURCE_WEIGHTS[category])
            if s is first:
                status = "verified"
            elif source == "data_signal":
                status = _pick(rng, [("verified", 45), ("pending", 40), ("rejected", 15)])
            else:
                status = _pick(rng, [("verified", 80), ("pending", 9), ("needs_more", 7), ("rejected", 4)])
            level = None
            if category == "financial_hardship":
                level = _pick(rng, [("special", 20), ("hardship", 35), ("general", 45)])
                if status == "pending" and source != "counselor":
                    level = None  # set when it is verified
            evidence = rng.choice(EVIDENCE[category]).format(
                n=rng.randint(1, 3), income=rng.choice(["1.2", "1.8", "2.5", "3"]), year=rng.randint(2019, 2026),
                province=s["home_province"] or "", kind=rng.choice(["肢体", "听力", "视力"]), level=rng.randint(3, 4),
            )
            if source == "self_declared" and rng.random() < 0.5:
                evidence = "<p>学生自述：家里的情况让找工作的路费和培训费有些吃力，希望得到一些帮助。</p>"
            claims.append(dict(
                student_id=s["id"], category=category, level=level, source=source, evidence_notes=evidence,
                status=status, created_by_id=s["user_id"] if source == "self_declared" else primary[s["id"]],
                created_at=created, updated_at=created,
            ))
    for start in range(0, len(claims), 2000):
        db.session.execute(insert(HardshipClaim).execution_options(render_nulls=True), claims[start:start + 2000])
    claim_ids = {(sid, cat): cid for cid, sid, cat in db.session.execute(
        select(HardshipClaim.id, HardshipClaim.student_id, HardshipClaim.category))}

    # verifications: who checked, what, and when; some went through "needs more" first
    verifications, decided = [], []
    for claim in claims:
        if claim["status"] == "pending":
            continue
        claim_id = claim_ids[(claim["student_id"], claim["category"])]
        checker = primary[claim["student_id"]] if rng.random() < 0.8 else ctx.admin_id
        at = claim["created_at"] + timedelta(days=rng.randint(3, 20), hours=rng.randint(1, 6))
        if claim["status"] == "verified" and rng.random() < 0.15:
            verifications.append(dict(claim_id=claim_id, checklist={k: k == "documents_checked" for k in keys},
                                      decision="needs_more", note=rng.choice(NEEDS_MORE_NOTES), decided_by_id=checker,
                                      decided_at=at))
            at += timedelta(days=rng.randint(5, 15))
        if claim["status"] == "verified":
            ticks = {"documents_checked": True, "household_checked": rng.random() < 0.9,
                     "lists_cross_checked": claim["source"] == "government_list" or rng.random() < 0.5,
                     "interview_held": rng.random() < 0.8}
            note = None
        elif claim["status"] == "needs_more":
            ticks = {k: k == "interview_held" for k in keys}
            note = rng.choice(NEEDS_MORE_NOTES)
        else:
            ticks = {k: k in ("documents_checked", "lists_cross_checked") for k in keys}
            note = rng.choice(REJECTED_NOTES)
        at = min(at, now - timedelta(hours=1))
        verifications.append(dict(claim_id=claim_id, checklist=ticks, decision=claim["status"], note=note,
                                  decided_by_id=checker, decided_at=at))
        decided.append(dict(id=claim_id, decided_by_id=checker, decided_at=at, updated_at=at))
    for start in range(0, len(verifications), 2000):
        db.session.execute(insert(Verification).execution_options(render_nulls=True), verifications[start:start + 2000])
    if decided:
        db.session.execute(update(HardshipClaim), decided)

    # assignments: everyone has a primary mentor; some ledger students also a psychological counselor
    claimant_ids = {s["id"] for s in claimants}
    assignments = [dict(student_id=sid, mentor_id=mid, kind="primary", created_at=now, created_by_id=ctx.admin_id)
                   for sid, mid in sorted(primary.items())]
    counselor_of: dict[int, int] = {}
    for s in students:
        if rng.random() < (0.15 if s["id"] in claimant_ids else 0.01) or s is first:
            counselor_of[s["id"]] = psych[len(counselor_of) % len(psych)]
    assignments += [dict(student_id=sid, mentor_id=mid, kind="psychological", created_at=now, created_by_id=ctx.admin_id)
                    for sid, mid in counselor_of.items() if mid != primary[sid]]
    for start in range(0, len(assignments), 2000):
        db.session.execute(insert(MentorAssignment).execution_options(render_nulls=True), assignments[start:start + 2000])

    # intentions, year of entry and priority: one executemany UPDATE
    n_categories = Counter(c["student_id"] for c in claims)
    special = {c["student_id"] for c in claims if c["level"] == "special" or c["category"] in ("disabled", "orphan", "extreme_poverty_support")}
    years = {"bachelor": 5, "master": 3, "doctor": 3}
    updates = []
    for s in students:
        priority = "high" if s["id"] in special or n_categories[s["id"]] > 1 else "normal"
        updates.append(dict(id=s["id"], cohort=s["graduation_year"] - years.get(s["degree_level"], 4), priority=priority,
                            **_intentions(rng, s)))
    db.session.execute(update(Student), updates)

    # interventions over the past months, mostly for ledger students
    rows = []
    for s in students:
        if s["id"] in claimant_ids:
            n = rng.randint(1, 6) if (s is first or rng.random() < 0.75) else 0
        else:
            n = rng.randint(1, 2) if rng.random() < 0.05 else 0
        for _ in range(n):
            kind = _pick(rng, INTERVENTION_WEIGHTS)
            rows.append(_intervention(rng, s, primary[s["id"]], kind, today, now))
        if s["id"] in counselor_of and rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                rows.append(_intervention(rng, s, counselor_of[s["id"]], "psychological_counseling", today, now))
    if first:
        rows.append(_intervention(rng, first, primary[first["id"]], "resume_coaching", today, now, visibility="student",
                                  days_ago=6))
        rows.append(_intervention(rng, first, primary[first["id"]], "talk", today, now, visibility="mentors",
                                  days_ago=2, follow_up=today + timedelta(days=5)))
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Intervention).execution_options(render_nulls=True), rows[start:start + 2000])

    # a few students have already updated their intentions through the portal
    changes = []
    for s, values in zip(students, updates):
        if s is first or rng.random() < 0.04:
            changes.append(dict(student_id=s["id"], changed_by_id=s["user_id"],
                                changed_at=now - timedelta(days=rng.randint(1, 60)),
                                changes={"intended_regions": [[], values["intended_regions"]],
                                         "grassroots_openness": [None, values["grassroots_openness"]]}))
    if changes:
        db.session.execute(insert(ProfileChange).execution_options(render_nulls=True), changes)


def _intervention(rng, s, author_id, kind, today, now, *, visibility=None, days_ago=None, follow_up=None) -> dict:
    day = today - timedelta(days=days_ago if days_ago is not None else rng.randint(1, 180))
    at = min(_local(day, rng.choice([9, 10, 14, 15, 16]), rng.choice([0, 15, 30, 45])), now - timedelta(minutes=5))
    if visibility is None:
        visibility = "private" if kind == "psychological_counseling" else ("student" if rng.random() < 0.3 else "mentors")
    if follow_up is None and rng.random() < 0.3:
        follow_up = day + timedelta(days=rng.randint(7, 30))
    done = follow_up is not None and follow_up < today and rng.random() < 0.8
    notes = rng.choice(NOTES[kind]).format(province=s["home_province"] or "家乡", n=rng.randint(2, 12))
    return dict(
        student_id=s["id"], author_id=author_id, type=kind, channel=rng.choice(CHANNEL_OF[kind]), occurred_at=at,
        duration_minutes=rng.choice([15, 20, 30, 45, 60, 90]), notes=notes, follow_up_on=follow_up,
        follow_up_done=done, visibility=visibility, created_at=at, updated_at=at,
    )

