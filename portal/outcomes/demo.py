"""Demo outcomes: the class of 2026's destinations (graduated), the class of 2027's first offers,
follow-up calls, three anonymous surveys with answers, and students' feedback on measures."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import bindparam, func, insert, select, update

from portal.clock import local_zone
from portal.extensions import db
from portal.outcomes.models import (
    Destination,
    Feedback,
    FollowUp,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
)
from portal.outcomes.surveys import STANDARD_SURVEYS, parse_questions
from portal.sanitize import plain_to_html
from portal.students.models import (
    ClaimStatus,
    HardshipClaim,
    Intervention,
    MentorAssignment,
    Student,
    Verification,
)

SHANGHAI = timezone(timedelta(hours=8))
CLINICAL = {"临床医学", "麻醉学", "儿科学", "精神医学", "医学影像学", "中医学", "中西医临床医学", "针灸推拿学", "口腔医学"}
NURSING = {"护理学", "助产学"}
PHARMACY = {"药学", "临床药学", "药物制剂"}
PUBLIC_HEALTH = {"预防医学", "卫生检验与检疫", "食品卫生与营养学"}

# destination category weights by kind of major (the class of 2026, all graduates)
PROFILES = {
    "clinical": {"domestic_study": 40, "residency": 28, "agreement": 10, "labour_contract": 6, "national_grassroots": 2,
                 "local_grassroots": 3, "other_employment": 3, "study_abroad": 1, "military": 0.5, "awaiting": 3,
                 "not_seeking_study": 3, "not_seeking_other": 0.5},
    "clinical_graduate": {"agreement": 45, "labour_contract": 15, "residency": 15, "domestic_study": 12,
                          "research_assistant": 3, "other_employment": 3, "awaiting": 4, "not_seeking_study": 2,
                          "not_seeking_other": 1},
    "nursing": {"labour_contract": 45, "agreement": 25, "domestic_study": 8, "local_grassroots": 4,
                "national_grassroots": 2, "other_employment": 6, "freelance": 1, "awaiting": 5,
                "not_seeking_study": 3, "not_seeking_other": 1},
    "pharmacy": {"agreement": 20, "labour_contract": 25, "domestic_study": 25, "study_abroad": 3, "other_employment": 8,
                 "self_employed": 1, "freelance": 2, "research_assistant": 2, "awaiting": 7, "not_seeking_study": 6,
                 "not_seeking_other": 1},
    "public_health": {"agreement": 25, "domestic_study": 30, "labour_contract": 15, "national_grassroots": 4,
                      "local_grassroots": 4, "other_employment": 6, "awaiting": 8, "not_seeking_study": 7,
                      "not_seeking_other": 1},
    "other": {"labour_contract": 30, "agreement": 20, "domestic_study": 20, "other_employment": 10, "freelance": 3,
              "self_employed": 1, "military": 1, "awaiting": 8, "not_seeking_study": 6, "not_seeking_other": 1},
}
CITIES = {
    "河南": ["郑州", "洛阳", "南阳"], "四川": ["成都", "绵阳", "南充"], "贵州": ["贵阳", "遵义", "毕节"],
    "云南": ["昆明", "曲靖", "大理"], "甘肃": ["兰州", "天水"], "广西": ["南宁", "柳州", "桂林"],
    "湖南": ["长沙", "衡阳", "常德"], "湖北": ["武汉", "宜昌", "襄阳"], "江西": ["南昌", "赣州"], "安徽": ["合肥", "阜阳"],
    "山东": ["济南", "青岛", "临沂"], "河北": ["石家庄", "保定"], "山西": ["太原", "大同"], "陕西": ["西安", "宝鸡"],
    "重庆": ["重庆"], "黑龙江": ["哈尔滨", "齐齐哈尔"], "吉林": ["长春", "吉林"], "内蒙古": ["呼和浩特", "包头"],
    "新疆": ["乌鲁木齐", "喀什"], "宁夏": ["银川"], "青海": ["西宁"], "西藏": ["拉萨"], "海南": ["海口", "三亚"],
    "广东": ["广州", "深圳", "东莞"], "福建": ["福州", "厦门"], "浙江": ["杭州", "宁波"], "江苏": ["南京", "苏州"],
    "辽宁": ["沈阳", "大连"], "北京": ["北京"], "上海": ["上海"], "天津": ["天津"],
}
UNIVERSITY_PROVINCE = "四川"
GRADUATE_SCHOOLS = ["四川大学华西医学院", "中山大学中山医学院", "复旦大学上海医学院", "北京协和医学院", "浙江大学医学院",
                    "中南大学湘雅医学院", "华中科技大学同济医学院", "重庆医科大学", "西安交通大学医学部", "本校研究生院",
                    "贵州医科大学", "昆明医科大学", "郑州大学医学院", "山东大学齐鲁医学院"]
ABROAD = [("英国", "伦敦大学学院"), ("澳大利亚", "悉尼大学"), ("中国香港", "香港大学"), ("新加坡", "新加坡国立大学"),
          ("日本", "大阪大学"), ("美国", "约翰斯·霍普金斯大学")]
FIRMS = ["康源", "华济", "仁和", "众生", "济民", "益康", "同心", "科伦", "恒瑞", "安泰"]
COMMENTS = {
    "resume_coaching": ["导师很耐心，帮我改了三遍简历。", "简历结构清楚多了，投递后回复明显增加。", "希望能有针对医院招聘的简历模板。"],
    "mock_interview": ["模拟面试很有用，真正面试时没那么紧张了。", "结构化面试的练习很有帮助。", "希望能多安排几次，尤其是临床技能考核。"],
    "career_counseling": ["帮我理清了规培和考研的选择。", "讲到的规培招录政策很实用。", "谢谢老师，一直关心我的情况。"],
    "job_referral": ["推荐的岗位和我的意向比较匹配。", "希望多一些省内基层医院的岗位信息。", "有些岗位离家太远，希望考虑地域意向。"],
    "skills_training_referral": ["培训内容实用，拿到了证书。", "时间安排有点紧，希望能提前通知。"],
    "financial_help": ["经济资助解决了我去外地面试的路费。", "申请流程很快，谢谢。"],
}
SURVEY_TEXTS = [
    "希望帮扶能更早开始，大三就介入。", "谢谢学校和老师。", "希望多提供省内基层医院的招聘信息。",
    "面试辅导对我帮助最大。", "希望心理咨询的预约更方便。", "对规培政策的解读很及时。", "建议增加线上指导。",
]


def _pick(rng, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _profile(major: str, degree: str) -> str:
    if major in CLINICAL:
        return "clinical" if degree == "bachelor" else "clinical_graduate"
    if major in NURSING:
        return "nursing"
    if major in PHARMACY:
        return "pharmacy"
    if major in PUBLIC_HEALTH:
        return "public_health"
    return "other"


def _day(rng, start: date, end: date) -> date:
    span = max((end - start).days, 0)
    return start + timedelta(days=rng.randint(0, span))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI).astimezone(timezone.utc)


def _decided_on(rng, category: str, year: int, cap: date) -> date | None:
    y0 = year - 1
    if category == "domestic_study":
        day = _day(rng, date(y0, 9, 25), date(y0, 10, 25)) if rng.random() < 0.25 else _day(rng, date(year, 3, 20), date(year, 5, 10))
    elif category == "study_abroad":
        day = _day(rng, date(year, 1, 10), date(year, 6, 20))
    elif category == "residency":
        day = _day(rng, date(year, 7, 1), date(year, 8, 31))
    elif category in ("national_grassroots", "local_grassroots"):
        day = _day(rng, date(year, 6, 15), date(year, 8, 15))
    elif category == "military":
        day = _day(rng, date(year, 6, 1), date(year, 9, 15))
    elif category in ("self_employed", "freelance"):
        day = _day(rng, date(year, 5, 1), date(year, 11, 10))
    elif category in ("agreement", "labour_contract", "research_assistant", "other_employment"):
        # offers from the autumn fairs, most in spring and early summer
        day = date(y0, 10, 15) + timedelta(days=int(rng.triangular(0, 380, 220)))
    else:
        return None
    return min(day, cap)


def _unit(rng, category: str, profile: str, home: str | None) -> dict:
    """Employer, unit nature, hospital level, place and the rest, for an employed graduate."""
    province = home if home and rng.random() < 0.55 else (UNIVERSITY_PROVINCE if rng.random() < 0.6 else rng.choice(list(CITIES)))
    city = rng.choice(CITIES.get(province, [None]))
    out = {"province": province, "city": city, "grassroots": False}
    if category == "residency":
        level = "3a" if rng.random() < 0.82 else "3b"
        out.update(employer=f"{city or province}{rng.choice(['第一', '第二', '中心', '中医'])}医院（住院医师规范化培训基地）",
                   unit_nature="healthcare", hospital_level=level, industry="Q", post_type="residency",
                   relation_to_major="close", salary_band=_pick(rng, {"lt3000": 20, "3000": 50, "5000": 30}))
        return out
    if category in ("national_grassroots", "local_grassroots"):
        town = rng.choice(["城关", "新场", "石桥", "龙泉", "白果", "清水", "马场", "桃园"])
        health = rng.random() < 0.65
        out.update(employer=f"{city or province}{town}镇{'卫生院' if health else '人民政府'}（{'三支一扶' if category == 'national_grassroots' else '基层医疗卫生岗位'}）",
                   unit_nature="healthcare" if health else "village", hospital_level="township" if health else None,
                   industry="Q" if health else "S", post_type="project", grassroots=True,
                   relation_to_major="close" if health else "related", salary_band=_pick(rng, {"lt3000": 35, "3000": 55, "5000": 10}))
        return out
    if category == "military":
        out.update(employer="中国人民解放军某部", unit_nature="military_unit", industry="S", post_type="established",
                   relation_to_major=_pick(rng, {"related": 40, "unrelated": 60}), salary_band="3000")
        return out
    if category in ("self_employed", "freelance"):
        out.update(employer=f"{city or province}{rng.choice(FIRMS)}健康咨询工作室" if category == "self_employed" else None,
                   unit_nature="private_enterprise" if category == "self_employed" else None,
                   industry=_pick(rng, {"O": 40, "L": 30, "I": 30}), relation_to_major=_pick(rng, {"related": 50, "unrelated": 50}),
                   salary_band=_pick(rng, {"3000": 40, "5000": 35, "7000": 15, "lt3000": 10}))
        return out
    if profile in ("clinical", "clinical_graduate", "nursing") or (profile == "other" and rng.random() < 0.5):
        nature = _pick(rng, {"healthcare": 85, "private_enterprise": 5, "other_public": 5, "government": 2, "other": 3})
    elif profile == "pharmacy":
        nature = _pick(rng, {"healthcare": 35, "private_enterprise": 35, "state_enterprise": 15, "foreign_enterprise": 8, "other_public": 7})
    elif profile == "public_health":
        nature = _pick(rng, {"other_public": 45, "government": 15, "healthcare": 25, "private_enterprise": 10, "other": 5})
    else:
        nature = _pick(rng, {"private_enterprise": 40, "healthcare": 30, "other_public": 15, "higher_education": 5, "state_enterprise": 10})
    if category == "research_assistant":
        nature = rng.choice(["higher_education", "research"])
    place = city or province
    level = None
    if nature == "healthcare":
        graduate = profile == "clinical_graduate"
        level = _pick(rng, {"3a": 60 if graduate else 30, "3b": 12, "3": 5, "2a": 12 if graduate else 22, "2": 4 if graduate else 9,
                            "1": 1 if graduate else 3, "community": 3 if graduate else 9, "township": 2 if graduate else 10,
                            "village": 0.2 if graduate else 1.5})
        if level in ("community", "township", "village"):
            out["grassroots"] = True
            employer = {"community": f"{place}{rng.choice(['东城', '西城', '南湖', '北苑', '新区'])}社区卫生服务中心",
                        "township": f"{place}{rng.choice(['城关', '新场', '石桥', '龙泉'])}镇卫生院",
                        "village": f"{place}{rng.choice(['大坪', '河坝', '松林'])}村卫生室"}[level]
        else:
            employer = f"{place}{rng.choice(['第一人民', '第二人民', '中心', '中医', '妇幼保健', '人民'])}医院"
        industry = "Q"
        post = _pick(rng, {"established": 30, "contract": 55, "dispatch": 15})
    elif nature in ("private_enterprise", "state_enterprise", "foreign_enterprise"):
        employer = f"{place}{rng.choice(FIRMS)}{rng.choice(['药业', '医药', '医疗器械', '生物科技'])}有限公司"
        industry = _pick(rng, {"C": 45, "F": 35, "M": 10, "I": 5, "L": 5})
        post = "contract"
    elif nature == "other_public":
        employer = f"{place}{rng.choice(['疾病预防控制中心', '卫生健康监督所', '血液中心', '食品药品检验所'])}"
        industry = "Q"
        post = _pick(rng, {"established": 60, "contract": 40})
    elif nature == "government":
        employer = f"{place}卫生健康委员会"
        industry = "S"
        post = "established"
    elif nature in ("higher_education", "research"):
        employer = rng.choice(["本校基础医学院", "本校附属医院临床研究中心", f"{place}医学科学研究所"])
        industry = "M" if nature == "research" else "P"
        post = "contract"
    else:
        employer = f"{place}{rng.choice(FIRMS)}健康管理有限公司"
        industry = "O"
        post = "contract"
    close = nature == "healthcare" or profile in ("pharmacy", "public_health")
    out.update(employer=employer, unit_nature=nature, hospital_level=level, industry=industry, post_type=post,
               relation_to_major=_pick(rng, {"close": 70, "related": 22, "unrelated": 8} if close else {"close": 30, "related": 40, "unrelated": 30}),
               salary_band=_pick(rng, {"lt3000": 30, "3000": 55, "5000": 15} if out["grassroots"] else
                                 {"3000": 22, "5000": 38, "7000": 27, "10000": 13}))
    return out


def _destination(rng, student: dict, category: str, year: int, cap: date) -> dict:
    profile = _profile(student["major"], student["degree_level"])
    row = {"category": category, "employer": None, "unit_nature": None, "industry": None, "hospital_level": None,
           "post_type": None, "province": None, "city": None, "country": None, "grassroots": False,
           "relation_to_major": None, "salary_band": None, "note": None}
    if category == "domestic_study":
        row.update(employer=rng.choice(GRADUATE_SCHOOLS), relation_to_major="close")
    elif category == "study_abroad":
        country, school = rng.choice(ABROAD)
        row.update(employer=school, country=country, relation_to_major="close")
    elif category not in ("awaiting", "not_seeking_study", "not_seeking_other"):
        row.update(_unit(rng, category, profile, student["home_province"]))
    elif category == "not_seeking_study":
        row["note"] = rng.choice(["准备明年考研", "备考执业医师资格考试后再考研", "准备出国申请"])
    row["decided_on"] = _decided_on(rng, category, year, cap)
    return row


# --- the base data other branches seed, when they have not ------------------------------------------

def _ensure_support_base(ctx, students: list[dict]) -> None:
    """Outcomes need a programme (verified hardship), caseloads and some measures. The ledger's demo
    makes these; when it has not run (this branch alone), a plausible minimum is made here."""
    rng = ctx.rng
    if not db.session.scalar(select(func.count(HardshipClaim.id))):
        categories = {"financial_hardship": 45, "poverty_alleviated": 25, "low_income_guarantee": 12, "low_income_family": 7,
                      "zero_employment_family": 4, "disabled": 3, "orphan": 2, "extreme_poverty_support": 2}
        claims = []
        for index, s in enumerate(students):
            if index != 0 and rng.random() >= 0.18:
                continue
            category = _pick(rng, categories)
            claims.append(dict(student_id=s["id"], category=category,
                               level=rng.choice(["special", "hardship", "general"]) if category == "financial_hardship" else None,
                               source=rng.choice(["government_list", "self_declared", "counselor"]),
                               status=ClaimStatus.VERIFIED if index == 0 or rng.random() < 0.9 else ClaimStatus.PENDING,
                               created_by_id=ctx.admin_id, created_at=ctx.now, updated_at=ctx.now))
        for start in range(0, len(claims), 2000):
            db.session.execute(insert(HardshipClaim), claims[start:start + 2000])
        verified = db.session.execute(select(HardshipClaim.id).where(HardshipClaim.status == ClaimStatus.VERIFIED)).scalars().all()
        rows = [dict(claim_id=i, checklist={}, decision="verified", decided_by_id=ctx.admin_id, decided_at=ctx.now) for i in verified]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(Verification), rows[start:start + 2000])
    if not db.session.scalar(select(func.count(MentorAssignment.id))) and ctx.mentor_ids:
        rows = [dict(student_id=s["id"], mentor_id=ctx.mentor_ids[i % len(ctx.mentor_ids)], kind="primary",
                     created_at=ctx.now, created_by_id=ctx.admin_id) for i, s in enumerate(students)]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(MentorAssignment), rows[start:start + 2000])
    if not db.session.scalar(select(func.count(Intervention.id))):
        programme = set(db.session.scalars(select(HardshipClaim.student_id).where(HardshipClaim.status == ClaimStatus.VERIFIED)))
        mentors = dict(db.session.execute(select(MentorAssignment.student_id, MentorAssignment.mentor_id)
                                          .where(MentorAssignment.kind == "primary")).all())
        kinds = {"resume_coaching": 30, "mock_interview": 22, "career_counseling": 20, "job_referral": 15, "talk": 8,
                 "skills_training_referral": 3, "financial_help": 2}
        rows = []
        today = ctx.now.astimezone(local_zone()).date()
        for s in students:
            if s["id"] not in programme:
                continue
            start = date(s["graduation_year"] - 1, 9, 5)
            end = min(date(s["graduation_year"], 6, 20), today)
            if end <= start:
                continue
            for _n in range(rng.choice([0, 1, 2, 2, 3, 3, 4, 5])):
                kind = _pick(rng, kinds)
                rows.append(dict(student_id=s["id"], author_id=mentors.get(s["id"]), type=kind,
                                 channel="phone" if kind == "talk" else "in_person",
                                 occurred_at=_at(_day(rng, start, end), rng.randint(9, 17)),
                                 duration_minutes=rng.choice([30, 45, 60]), notes=None, follow_up_done=False,
                                 visibility="mentors" if kind == "talk" else "student", source=None,
                                 created_at=ctx.now, updated_at=ctx.now))
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(Intervention), rows[start:start + 2000])


# --- outcomes ------------------------------------------------------------------------------------------

def seed(ctx) -> None:
    rng = ctx.rng
    students = [dict(r._mapping) for r in db.session.execute(
        select(Student.id, Student.user_id, Student.graduation_year, Student.major, Student.degree_level, Student.home_province)
        .order_by(Student.id))]
    if not students:
        return
    _ensure_support_base(ctx, students)
    today = ctx.now.astimezone(local_zone()).date()
    programme = set(db.session.scalars(select(HardshipClaim.student_id).where(HardshipClaim.status == ClaimStatus.VERIFIED)))
    mentors = dict(db.session.execute(select(MentorAssignment.student_id, MentorAssignment.mentor_id)
                                      .where(MentorAssignment.kind == "primary")).all())
    graduated = max((s["graduation_year"] for s in students if date(s["graduation_year"], 7, 1) <= today), default=None)

    destinations, changed = [], []  # changed: students whose destination changed at a follow-up
    for s in students:
        year = s["graduation_year"]
        member = s["id"] in programme
        mentor = mentors.get(s["id"], ctx.admin_id)
        if graduated is not None and year <= graduated:
            if rng.random() < 0.015:
                continue  # nobody knows yet
            weights = dict(PROFILES[_profile(s["major"], s["degree_level"])])
            if member:
                for key in ("national_grassroots", "local_grassroots"):
                    weights[key] = weights.get(key, 0) + 2.5
                weights["awaiting"] = weights.get("awaiting", 0) + 2
            category = _pick(rng, weights)
            row = _destination(rng, s, category, year, today)
            earlier = None
            if category in ("labour_contract", "other_employment", "local_grassroots") and rng.random() < 0.12:
                # was not yet employed at graduation; a follow-up call found the new job
                earlier = _destination(rng, s, "awaiting", year, today)
                row["decided_on"] = _day(rng, date(year, 8, 15), min(date(year, 11, 15), today))
                source, verified = "follow_up", rng.random() < 0.5
                changed.append(s["id"])
            elif category == "domestic_study" and rng.random() < 0.05:
                earlier = _destination(rng, s, "not_seeking_study", year, today)
                source, verified = "mentor", True
            else:
                source = rng.choice(["student", "mentor", "mentor", "import"])
                verified = source != "student" or rng.random() < 0.85
            if earlier is not None:
                first = _at(date(year, 6, 25))
                destinations.append({**earlier, "student_id": s["id"], "source": "mentor", "verified": True,
                                     "verified_by_id": mentor, "verified_at": first, "recorded_by_id": mentor,
                                     "recorded_at": first, "is_current": False,
                                     "superseded_at": _at(row["decided_on"] or date(year, 9, 1)), "updated_at": ctx.now})
            recorded = _at(min((row["decided_on"] or date(year, 6, 28)) + timedelta(days=rng.randint(0, 20)), today))
            by = s["user_id"] if source == "student" else (ctx.admin_id if source == "import" else mentor)
            destinations.append({**row, "student_id": s["id"], "source": source, "verified": verified,
                                 "verified_by_id": mentor if verified else None, "verified_at": recorded if verified else None,
                                 "recorded_by_id": by, "recorded_at": recorded, "is_current": True, "superseded_at": None,
                                 "updated_at": ctx.now})
        elif date(year - 1, 9, 1) <= today:
            # the class now looking: early admissions, first agreements, those preparing for exams
            roll = rng.random()
            if roll < 0.12:
                category = "domestic_study"
                row = _destination(rng, s, category, year, today)
                row["decided_on"] = min(_day(rng, date(year - 1, 9, 25), date(year - 1, 10, 20)), today)
            elif roll < 0.22:
                category = rng.choice(["agreement", "labour_contract"])
                row = _destination(rng, s, category, year, today)
                row["decided_on"] = _day(rng, min(date(year - 1, 10, 1), today), today)
            elif roll < 0.24:
                row = _destination(rng, s, "study_abroad", year, today)
                row["decided_on"] = _day(rng, min(date(year - 1, 10, 1), today), today)
            elif roll < 0.32:
                row = _destination(rng, s, "not_seeking_study", year, today)
            else:
                continue
            if s["id"] == students[0]["id"]:
                continue  # student0001 reports their own destination in the demo
            source = rng.choice(["student", "student", "mentor"])
            verified = source == "mentor" or rng.random() < 0.4
            recorded = _at(min((row["decided_on"] or today) + timedelta(days=rng.randint(0, 6)), today))
            destinations.append({**row, "student_id": s["id"], "source": source, "verified": verified,
                                 "verified_by_id": mentors.get(s["id"]) if verified else None,
                                 "verified_at": recorded if verified else None,
                                 "recorded_by_id": mentors.get(s["id"]) if source == "mentor" else s["user_id"],
                                 "recorded_at": recorded, "is_current": True, "superseded_at": None, "updated_at": ctx.now})
    for start in range(0, len(destinations), 2000):
        db.session.execute(insert(Destination), destinations[start:start + 2000])

    if graduated is not None:
        _follow_ups(ctx, students, graduated, mentors, set(changed), today)
    _surveys(ctx, students, programme, graduated, today)
    _feedback(ctx, programme)


def _follow_ups(ctx, students, year, mentors, changed: set[int], today: date) -> None:
    rng = ctx.rng
    current = dict(db.session.execute(
        select(Destination.student_id, Destination.category).where(Destination.is_current == True)).all())  # noqa: E712
    follow_up_destination = dict(db.session.execute(
        select(Destination.student_id, Destination.id)
        .where(Destination.is_current == True, Destination.source == "follow_up")).all())  # noqa: E712
    unplaced = {"awaiting", "not_seeking_study", "not_seeking_other", None}
    notes = {
        "reached": ["工作稳定，适应良好。", "已入职，对单位满意。", "正在规培，压力较大但能坚持。", "读研顺利。"],
        "not_reached": ["电话无人接听，已发短信。", "号码停机，联系其辅导员核实。"],
        "needs_help": ["仍在求职，希望推荐省内基层岗位。", "准备二战考研，情绪低落，建议心理咨询。", "面试多次未通过，需模拟面试。"],
        "status_changed": ["已与用人单位签约。", "通过回访确认已入职。"],
    }
    rows = []
    start = date(year, 7, 15)
    end = min(date(year, 11, 20), today)
    if end <= start:
        return
    for s in students:
        if s["graduation_year"] != year or s["id"] not in mentors:
            continue
        category = current.get(s["id"])
        if s["id"] in changed:
            results = [rng.choice(["not_reached", "needs_help"]), "status_changed"]
        elif category in unplaced:
            if rng.random() >= 0.85:
                continue
            results = [_pick(rng, {"not_reached": 25, "reached": 35, "needs_help": 40})]
            if rng.random() < 0.4:
                results.append(_pick(rng, {"reached": 50, "needs_help": 50}))
        else:
            if rng.random() >= 0.3:
                continue
            results = ["reached"]
        days = sorted(_day(rng, start, end) for _ in results)
        for day, result in zip(days, results):
            rows.append(dict(student_id=s["id"], author_id=mentors[s["id"]], occurred_at=_at(day, rng.randint(9, 17)),
                             channel=_pick(rng, {"phone": 85, "message": 10, "online": 5}), result=result,
                             notes=rng.choice(notes[result]),
                             destination_id=follow_up_destination.get(s["id"]) if result == "status_changed" else None,
                             created_at=ctx.now))
    if not rows:
        return
    ids = db.session.execute(insert(FollowUp).returning(FollowUp.id, sort_by_parameter_order=True), rows).scalars().all()
    label = {"reached": "已联系，情况无变化", "not_reached": "未联系上", "status_changed": "已联系，去向有变化",
             "needs_help": "已联系，需要帮助"}
    interventions = [dict(student_id=r["student_id"], author_id=r["author_id"], type="phone_interview",
                          channel=r["channel"], occurred_at=r["occurred_at"], duration_minutes=rng.choice([10, 15, 20]),
                          notes=plain_to_html(f"{label[r['result']]}\n\n{r['notes']}"),
                          follow_up_on=(r["occurred_at"].date() + timedelta(days=7)) if r["result"] == "needs_help" else None,
                          follow_up_done=r["result"] == "needs_help" and rng.random() < 0.6, visibility="mentors",
                          source="follow_up", source_id=i, created_at=ctx.now, updated_at=ctx.now)
                     for r, i in zip(rows, ids)]
    intervention_ids = db.session.execute(
        insert(Intervention).returning(Intervention.id, sort_by_parameter_order=True), interventions).scalars().all()
    table = FollowUp.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("fid")).values(intervention_id=bindparam("iid")),
                       [{"fid": f, "iid": i} for f, i in zip(ids, intervention_ids)])


def _answers(rng, questions: list[dict], mood: float) -> dict:
    given = {}
    for q in questions:
        if q["kind"] == "rating":
            given[q["key"]] = max(1, min(5, round(rng.gauss(mood, 0.8))))
        elif q["kind"] == "choice":
            given[q["key"]] = rng.randrange(len(q["options"]))
        elif rng.random() < 0.3:
            given[q["key"]] = rng.choice(SURVEY_TEXTS)
    return given


def _surveys(ctx, students, programme, graduated, today) -> None:
    """Three surveys; answers are written in whole batches, shuffled, with random keys (made from the
    demo's generator so that the demo is the same every time)."""
    rng = ctx.rng
    from portal.outcomes.surveys import batch_size

    batch = batch_size()
    plans = []
    if graduated is not None:
        plans.append((f"{graduated}届毕业生就业帮扶满意度调查", "support", graduated, True, "closed", 0.6, 4.2))
        plans.append((f"{graduated}届毕业生首份工作满意度调查", "job", graduated, False, "open", 0.35, 3.8))
    current = max(s["graduation_year"] for s in students)
    if current != graduated:
        plans.append((f"{current}届求职帮扶中期问卷", "support", current, False, "open", 0.05, 4.0))
    first_student = students[0]["id"]
    for title, template, year, programme_only, status, share, mood in plans:
        questions = parse_questions(STANDARD_SURVEYS[template][1])
        opened = _at(date(year, 6, 1) if year == graduated else date(year - 1, 10, 15))
        survey = Survey(title=title, intro="本问卷为匿名问卷，结果仅用于改进就业帮扶工作。", graduation_year=year,
                        programme_only=programme_only, questions=questions, status=status,
                        opened_at=opened, closed_at=_at(date(year, 10, 31)) if status == "closed" else None,
                        created_by_id=ctx.admin_id, created_at=opened)
        db.session.add(survey)
        db.session.flush()
        eligible = [s["id"] for s in students if s["graduation_year"] == year and (not programme_only or s["id"] in programme)
                    and s["id"] != first_student]
        answering = [i for i in eligible if rng.random() < share]
        answering = answering[: len(answering) - len(answering) % batch]  # whole batches only: nothing left sealed
        if not answering:
            continue
        db.session.execute(insert(SurveyParticipation), [{"survey_id": survey.id, "student_id": i} for i in answering])
        batches = [_answers(rng, questions, mood) for _ in answering]
        rng.shuffle(batches)
        responses, answers = [], []
        for given in batches:
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            responses.append({"id": response_id, "survey_id": survey.id})
            for key, value in given.items():
                answers.append({"id": uuid.UUID(int=rng.getrandbits(128), version=4), "response_id": response_id,
                                "survey_id": survey.id, "question_key": key,
                                "value_int": value if isinstance(value, int) else None,
                                "value_text": value if isinstance(value, str) else None})
        db.session.execute(SurveyResponse.__table__.insert(), responses)
        for start in range(0, len(answers), 5000):
            db.session.execute(SurveyAnswer.__table__.insert(), answers[start:start + 5000])


def _feedback(ctx, programme) -> None:
    rng = ctx.rng
    rows = []
    base = {"resume_coaching": 4.3, "mock_interview": 4.4, "career_counseling": 4.0, "job_referral": 3.8,
            "skills_training_referral": 4.1, "financial_help": 4.7}
    for intervention_id, student_id, kind, occurred in db.session.execute(
        select(Intervention.id, Intervention.student_id, Intervention.type, Intervention.occurred_at)
        .where(Intervention.visibility == "student").order_by(Intervention.id)
    ):
        if rng.random() >= 0.35:
            continue
        rating = max(1, min(5, round(rng.gauss(base.get(kind, 4.0), 0.7))))
        when = min(occurred + timedelta(days=rng.randint(1, 10)), ctx.now)
        comment = rng.choice(COMMENTS.get(kind, ["谢谢老师。"])) if rng.random() < 0.6 else None
        rows.append(dict(student_id=student_id, measure_type="intervention", measure_id=intervention_id, rating=rating,
                         comment=comment, created_at=when, updated_at=when))
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Feedback), rows[start:start + 2000])
