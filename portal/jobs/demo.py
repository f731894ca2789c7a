"""Demo data for jobs: a few hundred realistic postings across provinces and kinds of employer,
students' intentions and licences where none were given, recommendations from the batch, and some
saves, dismissals, referrals and applications."""
from __future__ import annotations

import time
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update

from portal.clock import local_today
from portal.extensions import db
from portal.jobs import matching, mentoring, tracking, vocab
from portal.jobs.models import (
    JobPosting,
    MatchFeedback,
    PostingMajor,
    Recommendation,
    SavedPosting,
    StudentLicence,
)
from portal.jobs.postings import is_open
from portal.students.models import MentorAssignment, Student

N_POSTINGS = 320
ACTIVE_STUDENTS = 300  # students with saves, dismissals and applications

CITIES = {
    "河南": ["郑州", "洛阳", "南阳", "周口", "信阳"], "四川": ["成都", "绵阳", "南充", "凉山"],
    "贵州": ["贵阳", "遵义", "毕节", "黔东南"], "云南": ["昆明", "曲靖", "大理", "昭通"],
    "甘肃": ["兰州", "天水", "定西", "临夏"], "广西": ["南宁", "柳州", "桂林", "百色"],
    "湖南": ["长沙", "衡阳", "邵阳", "怀化"], "湖北": ["武汉", "宜昌", "襄阳", "恩施"],
    "江西": ["南昌", "赣州", "九江"], "安徽": ["合肥", "阜阳", "六安", "安庆"],
    "山东": ["济南", "青岛", "临沂", "菏泽"], "河北": ["石家庄", "保定", "邯郸"],
    "陕西": ["西安", "宝鸡", "汉中"], "重庆": ["渝中", "万州", "黔江"], "广东": ["广州", "深圳", "湛江", "梅州"],
    "浙江": ["杭州", "宁波", "温州"], "江苏": ["南京", "苏州", "徐州"], "北京": ["海淀", "朝阳", "通州"],
    "上海": ["徐汇", "浦东", "闵行"], "新疆": ["乌鲁木齐", "喀什", "伊犁"], "宁夏": ["银川", "固原"],
    "青海": ["西宁", "海东"], "内蒙古": ["呼和浩特", "赤峰"], "黑龙江": ["哈尔滨", "齐齐哈尔"],
    "山西": ["太原", "大同", "吕梁"], "海南": ["海口", "三亚"], "福建": ["福州", "厦门"], "辽宁": ["沈阳", "大连"],
    "吉林": ["长春", "延边"], "天津": ["河西", "滨海"], "西藏": ["拉萨", "日喀则"],
}
PROVINCE_WEIGHTS = {"河南": 8, "四川": 7, "贵州": 7, "云南": 6, "甘肃": 5, "广西": 5, "湖南": 5, "湖北": 5,
                    "广东": 6, "浙江": 4, "江苏": 4, "山东": 5, "北京": 3, "上海": 3}
TOWNS = ["城关", "柳林", "石桥", "青山", "白沙", "河口", "新集", "马店", "龙泉", "双河", "黄土岭", "三塘"]
COUNTIES = {
    "河南": ["兰考", "平舆", "淮阳", "固始"], "四川": ["仁寿", "昭觉", "南部", "宣汉"], "贵州": ["威宁", "赫章", "榕江", "正安"],
    "云南": ["镇雄", "会泽", "宣威", "弥渡"], "甘肃": ["会宁", "通渭", "岷县", "东乡"], "广西": ["都安", "田林", "融水", "靖西"],
    "湖南": ["隆回", "新化", "溆浦", "桑植"], "湖北": ["郧西", "巴东", "麻城", "房县"], "安徽": ["临泉", "金寨", "太和", "岳西"],
    "山东": ["郓城", "沂水", "莘县", "曹县"], "江西": ["于都", "兴国", "鄱阳", "修水"], "河北": ["阜平", "涞源", "魏县", "围场"],
    "陕西": ["镇巴", "洛南", "子洲", "紫阳"], "山西": ["岢岚", "静乐", "大宁"], "重庆": ["巫溪", "城口"],
    "广东": ["连南", "紫金"], "浙江": ["淳安", "文成"], "江苏": ["睢宁", "灌南"], "北京": ["密云", "延庆"],
    "上海": ["崇明"], "新疆": ["疏附", "墨玉"], "宁夏": ["西吉", "海原"], "青海": ["化隆", "互助"], "内蒙古": ["林西", "宁城"],
    "黑龙江": ["桦川", "拜泉"], "海南": ["琼中", "白沙"], "福建": ["宁化", "寿宁"], "辽宁": ["建平", "岫岩"],
    "吉林": ["汪清", "通榆"], "天津": ["蓟州"], "西藏": ["墨竹工卡", "定日"],
}
STREETS = ["解放路", "建设路", "东风", "新华", "花园", "文化路", "长江路", "人民路"]

CLINICAL = ["临床医学", "麻醉学", "医学影像学", "儿科学", "精神医学"]
NURSING = ["护理学", "助产学"]
PHARMACY = ["药学", "临床药学", "药物制剂"]
TCM = ["中医学", "针灸推拿学", "中西医临床医学"]
PUBLIC_HEALTH = ["预防医学", "卫生检验与检疫", "食品卫生与营养学"]
TECH = ["医学检验技术", "康复治疗学", "医学影像技术"]

# (weight, kind)
KINDS = [
    (14, "tertiary"), (9, "city"), (10, "county"), (10, "township"), (8, "community"), (2, "village"),
    (6, "residency"), (6, "programme"), (6, "pharma"), (5, "cdc"), (11, "emerging"), (4, "private_hospital"),
]

DUTIES = {
    "physician": "<p>负责门急诊及病房诊疗工作，参与科室值班与教学。</p><ul><li>参加住院医师规范化培训或已取得规培合格证者优先</li><li>服从科室轮转安排</li></ul>",
    "nurse": "<p>负责病区护理、健康宣教与护理文书，参与夜班轮值。</p><ul><li>已取得或即将取得护士执业资格</li></ul>",
    "pharmacist": "<p>负责处方审核、调剂与用药咨询，参与临床药学查房。</p>",
    "lab": "<p>负责临床标本检测、质控与报告审核，熟悉常用检验设备者优先。</p>",
    "grassroots": "<p>承担辖区基本医疗与基本公共卫生服务：慢病随访、家庭医生签约、预防接种、健康档案管理。</p>"
                  "<p>享受基层岗位津贴，服务期满可按政策参加定向招聘或研究生加分。</p>",
    "public_health": "<p>负责传染病监测、流行病学调查、健康教育与卫生检测工作。</p>",
    "company": "<p>负责产品学术推广、客户沟通与市场调研，提供系统培训与晋升通道。</p>",
    "crc": "<p>协助研究者开展临床试验：受试者筛选与随访、数据录入、与申办方及伦理委员会沟通。</p>",
    "health": "<p>负责健康体检后的健康评估、慢病风险干预与随访，建立健康管理档案。</p>",
    "internet": "<p>通过互联网医院平台开展在线问诊、复诊续方与健康咨询，排班灵活。</p>",
    "ai": "<p>参与医学影像数据标注与质控、算法临床验证，与工程师协作完善产品。</p>",
}


def _city(rng, province):
    return rng.choice(CITIES.get(province, [province]))


def _posting(rng, kind: str, province: str, today: date) -> dict:
    city = _city(rng, province)
    county = rng.choice(COUNTIES[province])
    p = dict(province=province, city=city, hospital_level="", grassroots_type="", emerging_field="", licence_required="",
             min_degree="bachelor", majors=[], unit_nature="public_health", openings=rng.randint(1, 8))
    if kind == "tertiary":
        employer = rng.choice([f"{province}省人民医院", f"{city}市第一人民医院", f"{city}市中心医院", f"{province}省妇幼保健院",
                               f"{city}市中医院", f"{province}医科大学附属第一医院"])
        p["hospital_level"] = rng.choice(["3a", "3a", "3a", "3b"])
        role = rng.choice(["physician", "physician", "nurse", "pharmacist", "lab"])
    elif kind == "city":
        employer = rng.choice([f"{city}市第二人民医院", f"{city}市人民医院", f"{city}市妇幼保健院", f"{city}市骨科医院"])
        p["hospital_level"] = rng.choice(["3", "2a", "2a", "3b"])
        role = rng.choice(["physician", "nurse", "nurse", "lab", "pharmacist"])
    elif kind == "county":
        employer = rng.choice([f"{county}县人民医院", f"{county}县中医医院", f"{county}县妇幼保健计划生育服务中心"])
        p["hospital_level"] = rng.choice(["2a", "2a", "2b", "2"])
        p["city"] = f"{county}县"
        role = rng.choice(["physician", "physician", "nurse", "lab"])
        if rng.random() < 0.4:
            p["grassroots_type"] = "county_hospital"
    elif kind == "township":
        employer = f"{county}县{rng.choice(TOWNS)}镇卫生院"
        p.update(grassroots_type="township_health_center", city=f"{county}县")
        role = "grassroots"
    elif kind == "community":
        employer = f"{city}市{rng.choice(STREETS)}街道社区卫生服务中心"
        p.update(grassroots_type="community_health_center", hospital_level=rng.choice(["", "1"]))
        role = "grassroots"
    elif kind == "village":
        employer = f"{county}县{rng.choice(TOWNS)}镇{rng.choice(['李家', '王庄', '石门', '杨柳'])}村卫生室"
        p.update(grassroots_type="village_clinic", city=f"{county}县")
        role = "grassroots"
    elif kind == "residency":
        employer = f"{province}医科大学附属{rng.choice(['第一', '第二'])}医院（住院医师规范化培训基地）"
        p.update(hospital_level="3a", post_type="residency", majors=rng.sample(CLINICAL, 3) + rng.sample(TCM, 1),
                 openings=rng.randint(10, 60), licence_required="")
        role = "residency"
    elif kind == "programme":
        programme = rng.choice(["three_supports", "three_supports", "western", "special_teacher"])
        employer = {"three_supports": f"{province}省人力资源和社会保障厅", "western": "西部计划项目管理办公室",
                    "special_teacher": f"{province}省卫生健康委员会"}[programme]
        p.update(post_type=programme, unit_nature="government", grassroots_type="township_health_center",
                 city=f"{county}县", openings=rng.randint(20, 200))
        role = programme
    elif kind == "pharma":
        employer = rng.choice(["华康医药股份有限公司", "中康医药集团有限公司", "瑞和制药有限公司", "博济生物医药有限公司"])
        p.update(unit_nature=rng.choice(["private_enterprise", "state_enterprise", "foreign_enterprise"]))
        role = "company"
    elif kind == "cdc":
        employer = rng.choice([f"{city}市疾病预防控制中心", f"{county}县疾病预防控制中心", f"{city}市卫生监督所"])
        role = "public_health"
    elif kind == "private_hospital":
        employer = rng.choice([f"{city}仁爱医院", f"{city}康华医院", f"{city}美好口腔医院", f"{city}爱尔眼科医院"])
        p.update(unit_nature="private_hospital", hospital_level=rng.choice(["2", "1", "2a"]))
        role = rng.choice(["physician", "nurse"])
    else:  # emerging
        role = rng.choice(["internet", "health", "crc", "ai", "elderly", "rehab", "devices", "thirdlab"])
        employer, field = {
            "internet": (f"{city}健康云互联网医院", "internet_medicine"),
            "health": ("颐年健康管理有限公司", "health_management"),
            "crc": ("博研临床研究服务有限公司", "clinical_research"),
            "ai": ("智影医疗科技有限公司", "medical_ai"),
            "elderly": (f"{city}康养医养结合服务中心", "elderly_care"),
            "rehab": (f"{city}康复医学中心", "rehabilitation"),
            "devices": ("迈康医疗器械有限公司", "medical_devices"),
            "thirdlab": ("康检医学检验实验室有限公司", "third_party_lab"),
        }[role]
        p.update(emerging_field=field, unit_nature="private_enterprise" if role not in ("elderly", "rehab") else "public_other")

    titles = {
        "physician": (rng.choice(["内科住院医师", "外科住院医师", "儿科医师", "急诊科医师", "麻醉科医师", "影像科医师", "精神科医师"]),
                      None),
        "nurse": (rng.choice(["临床护士", "手术室护士", "助产士", "ICU护士"]), NURSING),
        "pharmacist": (rng.choice(["临床药师", "药剂科药师"]), PHARMACY),
        "lab": (rng.choice(["检验技师", "影像技师", "康复治疗师"]), None),
        "grassroots": (rng.choice(["全科医生", "公共卫生医师", "中医医师", "社区护士", "检验士"]
                                  + (["乡村医生"] if kind in ("township", "village") else [])), None),
        "residency": ("住院医师规范化培训学员", None),
        "three_supports": ("三支一扶计划（支医）", None),
        "western": ("西部计划志愿者（医疗卫生专项）", None),
        "special_teacher": ("农村订单定向特岗全科医生", ["临床医学", "中西医临床医学", "中医学"]),
        "company": (rng.choice(["医药学术专员", "药品注册专员", "质量控制（QC）专员", "药物警戒专员"]), PHARMACY),
        "public_health": (rng.choice(["疾病控制专业技术人员", "卫生检验技术人员", "健康教育专干"]), PUBLIC_HEALTH),
        "internet": ("互联网医院在线问诊医师", ["临床医学", "中医学", "中西医临床医学"]),
        "health": ("健康管理师", ["健康服务与管理", "预防医学", "护理学", "食品卫生与营养学"]),
        "crc": ("临床研究协调员（CRC）", ["护理学", "药学", "临床药学", "临床医学", "预防医学"]),
        "ai": ("医学影像标注与算法验证专员", ["医学影像学", "医学影像技术", "生物医学工程", "临床医学"]),
        "elderly": ("医养结合护士", NURSING + ["康复治疗学"]),
        "rehab": ("康复治疗师", ["康复治疗学", "针灸推拿学"]),
        "devices": ("医疗器械产品专员", ["生物医学工程", "医学影像技术", "临床医学"]),
        "thirdlab": ("医学检验技师", ["医学检验技术", "卫生检验与检疫"]),
    }
    title, majors = titles[role]
    if role == "physician":
        majors = {"麻醉科医师": ["麻醉学", "临床医学"], "影像科医师": ["医学影像学"], "儿科医师": ["儿科学", "临床医学"],
                  "精神科医师": ["精神医学", "临床医学"]}.get(title, ["临床医学"])
        if "中医" in employer:
            majors = TCM[:]
            title = "中医科医师"
    elif role == "lab":
        majors = {"检验技师": ["医学检验技术"], "影像技师": ["医学影像技术"], "康复治疗师": ["康复治疗学"]}[title]
    elif role == "grassroots":
        majors = {"全科医生": ["临床医学", "中西医临床医学"], "公共卫生医师": ["预防医学"], "中医医师": ["中医学", "针灸推拿学"],
                  "社区护士": NURSING, "乡村医生": ["临床医学", "中医学"], "检验士": ["医学检验技术"]}[title]
    elif role in ("three_supports", "western"):
        majors = [] if rng.random() < 0.5 else CLINICAL[:1] + NURSING[:1] + PUBLIC_HEALTH[:1] + TCM[:1]
    if not p.get("majors"):
        p["majors"] = majors or []

    if "post_type" not in p:
        if role == "grassroots" or kind in ("cdc",):
            p["post_type"] = rng.choice(["establishment", "establishment", "contract"])
        elif kind in ("pharma", "emerging", "private_hospital"):
            p["post_type"] = "contract"
        else:
            p["post_type"] = rng.choice(["establishment", "contract", "contract", "dispatch"])
    if p["hospital_level"] == "3a" and role == "physician":
        p["min_degree"] = rng.choice(["master", "master", "doctor"])
    elif role in ("physician", "pharmacist") and rng.random() < 0.3:
        p["min_degree"] = "master"
    if role == "nurse" or (role == "grassroots" and title == "社区护士") or role == "elderly":
        p["licence_required"] = "nurse" if rng.random() < 0.7 else ""
    elif role == "physician" and p["min_degree"] == "bachelor" and rng.random() < 0.5:
        p["licence_required"] = rng.choice(["physician", "assistant_physician"])

    low = {"tertiary": 7000, "city": 5500, "county": 4200, "township": 3600, "community": 4500, "village": 3000,
           "residency": 3500, "programme": 2800, "pharma": 6000, "cdc": 4800, "emerging": 5500,
           "private_hospital": 6000}[kind]
    if province in ("北京", "上海", "广东", "浙江", "江苏"):
        low = int(low * 1.4)
    low = low + rng.randint(0, 8) * 250
    p["salary_min"] = low
    p["salary_max"] = low + rng.randint(2, 12) * 500
    if kind == "programme":
        p["salary_max"] = None
    p["title"] = title
    p["employer"] = employer
    p["deadline"] = today + timedelta(days=rng.randint(4, 120))
    p["description"] = DUTIES.get(role if role in DUTIES else {
        "residency": "physician", "three_supports": "grassroots", "western": "grassroots", "special_teacher": "grassroots",
        "elderly": "nurse", "rehab": "lab", "devices": "company", "thirdlab": "lab"}.get(role, "company"), "")
    p["source_url"] = f"https://jobs.example.edu.cn/postings/{rng.randint(10000, 99999)}"
    return p


def _postings(ctx, today: date) -> list[int]:
    rng = ctx.rng
    kinds = [k for _w, k in KINDS]
    weights = [w for w, _k in KINDS]
    provinces = list(CITIES)
    province_weights = [PROVINCE_WEIGHTS.get(p, 2) for p in provinces]
    curators = [ctx.admin_id] + ctx.mentor_ids[:3]
    rows, majors = [], []
    for i in range(N_POSTINGS):
        p = _posting(rng, rng.choices(kinds, weights)[0], rng.choices(provinces, province_weights)[0], today)
        status = "published"
        roll = rng.random()
        if roll < 0.05:
            status = "draft"
        elif roll < 0.13:
            status = "closed"
            p["deadline"] = today - timedelta(days=rng.randint(1, 40))
        elif roll < 0.19:
            p["deadline"] = today + timedelta(days=rng.randint(1, 3))  # closing soon: reminders have something to say
        majors.append(p.pop("majors"))
        rows.append(dict(
            p, grassroots=bool(p["grassroots_type"]), any_major=not majors[-1], status=status,
            created_by_id=rng.choice(curators), created_at=ctx.now, updated_at=ctx.now,
            published_at=ctx.now if status != "draft" else None,
        ))
    db.session.execute(insert(JobPosting), rows)
    ids = list(db.session.scalars(select(JobPosting.id).order_by(JobPosting.id)))[-len(rows):]
    db.session.execute(insert(PostingMajor), [
        dict(posting_id=pid, major=m, position=pos) for pid, names in zip(ids, majors) for pos, m in enumerate(names)
    ])
    return ids


def _intentions(ctx) -> None:
    """Fills the intentions of students who have none yet (the profile feature's seed may have given them)."""
    rng = ctx.rng
    rows = db.session.execute(
        select(Student.id, Student.major, Student.degree_level, Student.home_province, Student.intended_regions,
               Student.grassroots_openness).order_by(Student.id)
    ).all()
    big = ["广东", "浙江", "江苏", "北京", "上海", "山东", "湖北", "四川"]
    updates = []
    for r in rows:
        if r.intended_regions or r.grassroots_openness:
            continue
        regions = [r.home_province] if r.home_province else []
        for _ in range(rng.choice([0, 1, 1, 2])):
            choice = rng.choice(big)
            if choice not in regions:
                regions.append(choice)
        if r.degree_level == "bachelor":
            levels = rng.choice([["3a"], ["3a", "2a"], ["2a"], ["2a", "2b"], []])
        else:
            levels = rng.choice([["3a"], ["3a", "3b"], ["3a", "2a"]])
        types = rng.choice([["establishment"], ["establishment", "contract"], ["contract"], [], ["residency"]])
        clinical = r.major in CLINICAL or r.major in TCM
        updates.append(dict(
            id=r.id, intended_regions=regions, intended_hospital_levels=levels, intended_post_types=types,
            grassroots_openness=rng.choices(["yes", "maybe", "no", None], [25, 35, 20, 20])[0],
            standardized_training=clinical and rng.random() < 0.55,
            further_study=rng.choices(["none", "domestic", "abroad"], [80, 18, 2])[0],
        ))
    if updates:
        db.session.execute(update(Student), updates)


def _licences(ctx) -> None:
    rng = ctx.rng
    rows = db.session.execute(select(Student.id, Student.major, Student.degree_level).order_by(Student.id)).all()
    held = db.session.execute(select(StudentLicence.student_id)).scalars().all()
    if held:
        return
    licences = []
    for r in rows:
        if r.major in NURSING and rng.random() < 0.45:
            licences.append(dict(student_id=r.id, licence="nurse", created_at=ctx.now))
        elif r.degree_level in ("master", "doctor") and (r.major in CLINICAL or r.major in TCM) and rng.random() < 0.35:
            licences.append(dict(student_id=r.id, licence="physician", created_at=ctx.now))
        elif r.major in PHARMACY and r.degree_level != "bachelor" and rng.random() < 0.1:
            licences.append(dict(student_id=r.id, licence="pharmacist", created_at=ctx.now))
    if licences:
        db.session.execute(insert(StudentLicence), licences)


def _caseloads(ctx) -> None:
    """Primary mentors for the demo students, unless the students' seed already assigned them."""
    if db.session.scalar(select(func.count(MentorAssignment.id))) or not ctx.mentor_ids:
        return
    mentors = ctx.mentor_ids
    db.session.execute(insert(MentorAssignment), [
        dict(student_id=sid, mentor_id=mentors[i % len(mentors)], kind="primary", created_at=ctx.now,
             created_by_id=ctx.admin_id)
        for i, sid in enumerate(ctx.student_ids)
    ])


def _activity(ctx, today: date) -> list[int]:
    """Shown, viewed, saved, dismissed and applied, for the first students; referrals by their mentors."""
    from portal.accounts.models import User

    rng = ctx.rng
    active = ctx.student_ids[:ACTIVE_STUDENTS]
    recs = db.session.execute(
        select(Recommendation.student_id, Recommendation.posting_id, Recommendation.score, Recommendation.rank)
        .where(Recommendation.student_id.in_(active)).order_by(Recommendation.student_id, Recommendation.rank)
    ).all()
    feedback, saves, dismissed, to_apply = [], [], [], []
    reasons = list(vocab.DISMISS_REASONS)
    reason_weights = [30, 18, 14, 12, 20, 6]
    notes = {"region": "离家太远", "pay": "待遇偏低", "post_type": "想要编制岗位", "hospital_level": "想去更高等级的医院",
             "not_my_field": "和我的方向不符", "other": "家里希望我回生源地"}
    for r in recs:
        row = dict(student_id=r.student_id, posting_id=r.posting_id, shown_at=ctx.now, score=r.score)
        if r.rank <= 12 and rng.random() < 0.55:
            row["viewed_at"] = ctx.now
            roll = rng.random()
            if roll < 0.3:
                row["saved_at"] = ctx.now
                saves.append(dict(student_id=r.student_id, posting_id=r.posting_id, saved_at=ctx.now))
                if rng.random() < 0.35:
                    to_apply.append((r.student_id, r.posting_id))
            elif roll < 0.5:
                reason = rng.choices(reasons, reason_weights)[0]
                row.update(dismissed_at=ctx.now, dismiss_reason=reason,
                           dismiss_note=notes[reason] if rng.random() < 0.5 else None)
                dismissed.append((r.student_id, r.posting_id))
        feedback.append(row)
    columns = ("student_id", "posting_id", "shown_at", "viewed_at", "saved_at", "applied_at", "dismissed_at",
               "dismiss_reason", "dismiss_note", "score")
    if feedback:
        db.session.execute(insert(MatchFeedback), [{c: row.get(c) for c in columns} for row in feedback])
    if saves:
        db.session.execute(insert(SavedPosting), saves)

    students = {s.id: s for s in db.session.scalars(select(Student).where(Student.id.in_(active)))}
    postings = {p.id: p for p in db.session.scalars(select(JobPosting).where(JobPosting.id.in_({p for _s, p in to_apply})))}
    with current_app.test_request_context("/"):
        for sid, pid in to_apply:
            start = today - timedelta(days=rng.randint(8, 40))
            application = tracking.apply(students[sid], posting=postings[pid], on=start)
            on = start
            for stage in rng.choice([[], ["written_test"], ["interview"], ["written_test", "interview"],
                                     ["interview", "offer"], ["written_test", "interview", "offer", "signed"],
                                     ["rejected"], ["interview", "rejected"]]):
                on = min(today, on + timedelta(days=rng.randint(2, 9)))
                tracking.advance(application, stage=stage, on=on, actor=None)
        for sid in active[:60]:
            if rng.random() < 0.5:
                continue
            on = today - timedelta(days=rng.randint(1, 30))
            tracking.apply(students[sid], employer=rng.choice(["某市人民医院", "仁和体检中心", "某县中医院", "安康连锁药房"]),
                           title=rng.choice(["护士", "住院医师", "健康管理师", "执业药师"]), on=on)
        # referrals: each mentor's first students get a post from their recommendations, personally
        mentor_of = dict(db.session.execute(select(MentorAssignment.student_id, MentorAssignment.mentor_id)
                                            .where(MentorAssignment.student_id.in_(active[:80]),
                                                   MentorAssignment.kind == "primary")).all())
        mentors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(mentor_of.values()))))}
        first = {}
        for r in recs:
            if r.student_id in mentor_of and r.student_id not in first and (r.student_id, r.posting_id) not in dismissed:
                first[r.student_id] = r.posting_id
        notes_pool = ["这个岗位离你家近，待遇稳定，建议抓紧投递。", "基层岗位有编制，适合你的情况，可以先了解一下。",
                      "我和用人单位联系过，他们欢迎我校毕业生。", ""]
        for index, (sid, pid) in enumerate(sorted(first.items())):
            if index % 2 and sid != active[0]:
                continue
            posting = db.session.get(JobPosting, pid)
            if posting is not None and is_open(posting, today):
                mentoring.refer(posting, students[sid], mentor=mentors[mentor_of[sid]], note=rng.choice(notes_pool))
    return active


def seed(ctx) -> None:
    clock = time.perf_counter()
    today = local_today()
    _postings(ctx, today)
    _intentions(ctx)
    _licences(ctx)
    _caseloads(ctx)
    db.session.flush()
    matching.compute(today=today)
    active = _activity(ctx, today)
    db.session.flush()
    # the active students' dismissals and applications take effect at once (the nightly batch does it for all)
    matching.compute(student_ids=active, today=today)
    current_app.logger.info("jobs demo data in %.1f s", time.perf_counter() - clock)
