"""Demo resumes: drafts, submitted versions waiting in mentors' queues, and reviewed ones with threads.

Uses the mentors already assigned; without any caseloads yet, assigns every student's primary mentor by
the demo rule ctx.mentor_ids[i % n] shared with the other features' seeds. Bulk inserts only; resumes for
about one student in fifty, and for a few of mentor01's students so that their queue is never empty.
"""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from sqlalchemy import bindparam, func, insert, select, update

from portal.accounts.models import User
from portal.extensions import db
from portal.models_base import UTCDateTime
from portal.notifications.models import Notification
from portal.resumes import photos
from portal.resumes.models import (
    Resume,
    ResumeComment,
    ResumeItem,
    ResumePhoto,
    ResumeVersion,
)
from portal.resumes.sections import anchor_label
from portal.resumes.documents import build_document
from portal.settings import put as put_setting
from portal.students.models import Intervention, MentorAssignment, Student

UNIVERSITY = "滨海医科大学"

GROUPS = {
    "clinical": {"临床医学", "麻醉学", "医学影像学", "儿科学", "精神医学", "基础医学", "生物医学工程"},
    "stomatology": {"口腔医学"},
    "nursing": {"护理学", "助产学"},
    "pharmacy": {"药学", "临床药学", "药物制剂"},
    "public_health": {"预防医学", "卫生检验与检疫", "食品卫生与营养学", "公共事业管理", "健康服务与管理"},
    "tcm": {"中医学", "针灸推拿学", "中西医临床医学"},
    "technology": {"医学检验技术", "康复治疗学", "医学影像技术"},
}

POSITIONS = {
    "clinical": ["临床医师（住院医师规范化培训）", "内科住院医师", "全科医生（基层）"],
    "stomatology": ["口腔科医师", "口腔医师（规培）"],
    "nursing": ["临床护士", "重症监护室护士", "助产士"],
    "pharmacy": ["临床药师", "医院药剂科药师", "医药企业质量管理专员"],
    "public_health": ["疾病预防控制中心公共卫生医师", "社区卫生服务中心公卫专干"],
    "tcm": ["中医科医师", "针灸推拿科医师", "中医馆医师"],
    "technology": ["检验技师", "康复治疗师", "影像技师"],
}

DEPARTMENTS = {
    "clinical": ["心血管内科", "呼吸与危重症医学科", "消化内科", "普通外科", "骨科", "妇产科", "儿科", "急诊科", "神经内科"],
    "stomatology": ["口腔内科", "口腔颌面外科", "口腔修复科", "口腔正畸科"],
    "nursing": ["心内科护理单元", "重症医学科（ICU）", "急诊科", "手术室", "儿科病房", "产科"],
    "pharmacy": ["药剂科门诊药房", "静脉用药调配中心", "临床药学室", "住院药房"],
    "public_health": ["传染病防制科", "慢性病防治科", "公共卫生科", "检验科"],
    "tcm": ["中医内科", "针灸科", "推拿科", "康复科"],
    "technology": ["检验科", "康复医学科", "放射科", "超声科"],
}

TASKS = {
    "clinical": ["在上级医师指导下管理床位 {n} 张，参与每日查房并书写大病历 {m} 份",
                 "独立完成胸腔穿刺、腰椎穿刺等操作 {k} 例，熟悉常见病的诊疗流程",
                 "参与急危重症抢救 {k} 次，协助完成心电图判读与急诊分诊"],
    "stomatology": ["独立完成龋病充填 {m} 例、根管治疗 {k} 例", "协助完成阻生齿拔除 {k} 例，书写门诊病历 {m} 份"],
    "nursing": ["负责 {n} 张床位的责任制整体护理，完成静脉输液、留置针穿刺等操作 {m} 例",
                "参与危重患者护理与交接班，书写护理记录 {m} 份", "开展患者健康宣教 {k} 次，协助完成出院随访"],
    "pharmacy": ["完成门诊处方审核约 {m} 张，发现并反馈不合理处方 {k} 张", "参与临床药师查房，为 {k} 例患者提供用药教育"],
    "public_health": ["参与传染病疫情报告与流行病学调查 {k} 起", "协助开展社区慢病随访 {m} 人次，录入并核对健康档案"],
    "tcm": ["跟随导师门诊，书写中医病历 {m} 份，整理医案 {k} 例", "独立完成针刺、艾灸、拔罐等操作 {m} 例"],
    "technology": ["完成血常规、生化等标本检测 {m} 份，参与室内质控", "为 {k} 例术后患者制定并实施康复训练计划"],
}

SKILLS = {
    "clinical": ["病历书写", "心肺复苏", "清创缝合", "心电图判读"],
    "stomatology": ["口腔检查与诊断", "根管治疗", "四手操作"],
    "nursing": ["静脉穿刺", "心肺复苏", "护理文书书写", "危重症监护"],
    "pharmacy": ["处方审核", "药物咨询", "药品质量管理"],
    "public_health": ["流行病学调查", "SPSS 统计分析", "健康教育"],
    "tcm": ["中医四诊", "针刺与艾灸", "推拿手法"],
    "technology": ["生化检验操作", "康复评定", "影像设备操作"],
}

PRACTICE = [
    ("暑期“三下乡”医疗服务队", "队员", "赴{province}农村开展义诊与健康宣教，服务村民 {n} 余人次"),
    ("校青年志愿者协会", "志愿者", "参与无偿献血宣传与社区慢病筛查，累计志愿服务 {n} 小时"),
    ("社区卫生服务中心健康宣教", "志愿者", "为社区老年人讲解高血压、糖尿病自我管理，发放宣传资料 {n} 份"),
    ("学院学生会", "学习部部长", "组织临床技能培训与经验分享会 {k} 场"),
]

LICENCES = [("大学英语四级（CET-4）", "成绩 {cet4}"), ("全国计算机等级考试二级", "MS Office 高级应用"),
            ("普通话水平测试二级甲等", ""), ("基础生命支持（BLS）证书", "中国心胸血管麻醉学会")]

AWARDS = [("校级一等奖学金", "university"), ("校级三好学生", "university"), ("优秀学生干部", "college"),
          ("全国大学生临床技能大赛 省赛二等奖", "provincial"), ("优秀志愿者", "university")]

COMMENTS = {
    "rotation": "<p>轮转经历写得比较笼统，建议用数字说明：<strong>管理床位数、书写病历份数、独立完成的操作</strong>。</p>",
    "intention": "<p>意向岗位建议写具体，例如“心血管内科住院医师（规培）”，并写明可接受的地区。</p>",
    "self_evaluation": "<p>自我评价控制在三四行以内，突出与岗位相关的特质，例如沟通能力和责任心，避免空话。</p>",
    "licence": "<p>英语成绩超过 425 分可以写上分数；如已通过医师资格考试实践技能，也请注明。</p>",
    "basics": "<p>建议补充一张近期正装证件照，邮箱请用姓名拼音，显得更正式。</p>",
    "award": "<p>奖项请按级别从高到低排列，省级奖项放在最前面。</p>",
}
REPLIES = ["<p>已修改，谢谢老师！</p>", "<p>好的，我补充了具体数字，请老师再看看。</p>", "<p>明白，已经调整顺序。</p>"]
SUMMARIES = [
    "<p>整体结构清楚，临床经历比较丰富。请按批注把轮转经历量化，再精简自我评价，修改后再提交一次。</p>",
    "<p>简历已经比较成熟，投递前请再核对联系方式和证书时间。祝求职顺利！</p>",
    "<p>求职意向需要更明确，建议结合你的规培意向和生源地，准备两个版本的简历。</p>",
]


def _group(major: str) -> str:
    return next((g for g, majors in GROUPS.items() if major in majors), "clinical")


def _demo_photo(rng) -> photos.Photo:
    """A drawn portrait placeholder, passed through the same processing as an upload."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (300, 400), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    shade = rng.choice([(52, 58, 70), (70, 60, 55), (40, 45, 60)])
    draw.ellipse((95, 70, 205, 200), fill=(238, 205, 180))
    draw.pieslice((90, 55, 210, 175), 180, 360, fill=shade)
    draw.rounded_rectangle((50, 230, 250, 420), radius=60, fill=(30, 50, 90))
    draw.polygon([(130, 230), (170, 230), (150, 290)], fill=(250, 250, 250))
    out = BytesIO()
    image.save(out, format="PNG")
    return photos.process(out.getvalue())


def _content(rng, student: dict, rich: bool) -> dict:
    """Basics, intention, self-evaluation and items of one realistic resume."""
    group = _group(student["major"])
    province = student["home_province"] or "贵州"
    grad = student["graduation_year"]
    years = 3 if student["degree_level"] in ("master", "doctor") else (5 if group in ("clinical", "stomatology", "tcm") else 4)
    basics = {
        "full_name": student["name"], "gender": student["gender"] or "", "birth_month": f"{grad - 23 - rng.randint(0, 2)}-{rng.randint(1, 12):02d}",
        "ethnicity": rng.choice(["汉族"] * 6 + ["苗族", "壮族", "土家族", "回族"]),
        "political_status": rng.choice(["league_member", "league_member", "party_member", "probationary_member"]),
        "native_place": f"{province}", "phone": student["phone"] or "", "email": f"{student['username']}@example.edu.cn",
        "city": "滨海市", "homepage": "",
    }
    intention = {
        "position": rng.choice(POSITIONS[group]), "unit_type": rng.choice(["三级甲等医院", "二级及以上医院", "社区卫生服务中心", "疾病预防控制中心"]),
        "post_type": rng.choice(["residency", "establishment", "contract", "any"]),
        "locations": rng.choice([f"{province}、滨海市", province, "不限"]), "available_from": f"{grad}-07", "salary": rng.choice(["", "面议", "6000 元/月以上"]),
    }
    items: list[tuple[str, dict]] = []
    degree = student["degree_level"]
    items.append(("education", {
        "school": UNIVERSITY, "major": student["major"], "degree": degree, "start": f"{grad - years}-09", "end": f"{grad}-06",
        "ranking": f"GPA {rng.choice(['3.4', '3.6', '3.7', '3.8'])}/4.0，专业排名前 {rng.choice([5, 10, 15, 20])}%",
        "details": "主修课程：" + rng.choice(["内科学、外科学、妇产科学、儿科学、诊断学", "基础护理学、内科护理学、外科护理学、急危重症护理学",
                                          "药理学、药剂学、药物分析、临床药物治疗学", "流行病学、卫生统计学、环境卫生学、营养与食品卫生学"]),
    }))
    if degree in ("master", "doctor"):
        items.append(("education", {"school": UNIVERSITY, "major": student["major"], "degree": "bachelor",
                                    "start": f"{grad - years - 5}-09", "end": f"{grad - years}-06", "ranking": "", "details": ""}))
    hospitals = [f"{UNIVERSITY}第一附属医院", f"{province}省人民医院", "滨海市中心医院", f"{province}某县人民医院"]
    n_rot = 4 if rich else rng.randint(1, 3)
    departments = rng.sample(DEPARTMENTS[group], k=min(n_rot, len(DEPARTMENTS[group])))
    for i, department in enumerate(departments):
        start_month = 7 + 2 * i
        year = grad - 1 + (start_month - 1) // 12
        month = (start_month - 1) % 12 + 1
        end_month = month + 1 if month < 12 else 12
        tasks = rng.sample(TASKS[group], k=min(len(TASKS[group]), 3 if rich else 2))
        description = "\n".join(t.format(n=rng.randint(4, 8), m=rng.randint(10, 40), k=rng.randint(3, 12)) + "。" for t in tasks)
        if rich:
            description += "\n在带教老师指导下参与科室病例讨论与业务学习，完成教学查房汇报 1 次，能够与患者及家属进行有效沟通。"
        items.append(("rotation", {
            "hospital": hospitals[i % len(hospitals)], "hospital_level": "grade3a" if i < 3 else "grade2a", "department": department,
            "start": f"{year}-{month:02d}", "end": f"{year}-{end_month:02d}", "description": description,
        }))
    for organisation, role, text in rng.sample(PRACTICE, k=3 if rich else rng.randint(0, 2)):
        year = grad - rng.randint(2, 4)
        items.append(("practice", {"organisation": organisation, "role": role, "start": f"{year}-07", "end": f"{year}-08",
                                   "description": text.format(province=province, n=rng.randint(20, 200), k=rng.randint(3, 10))}))
    if rich or rng.random() < 0.4:
        items.append(("research", {"title": f"{student['major']}学生临床实践能力现状调查", "kind": "project",
                                   "venue": "大学生创新创业训练计划（校级）", "date": f"{grad - 2}-06", "role": "项目负责人",
                                   "description": "设计问卷并完成 300 余份调查，使用 SPSS 进行统计分析，撰写结题报告。"}))
    if rich:
        items.append(("research", {"title": "社区老年高血压患者服药依从性及影响因素分析", "kind": "paper",
                                   "venue": "《中国全科医学》（投稿中）", "date": f"{grad - 1}-03", "role": "第二作者", "description": ""}))
    cet4 = rng.randint(430, 580)
    licences = LICENCES[:4] if rich else rng.sample(LICENCES, k=rng.randint(1, 3))
    if group == "nursing":
        licences = [("护士执业资格考试", "已通过（成绩待公布）")] + licences
    for name, detail in licences:
        items.append(("licence", {"name": name, "date": f"{grad - rng.randint(1, 3)}-{rng.choice(['06', '12'])}", "detail": detail.format(cet4=cet4)}))
    for name, level in rng.sample(AWARDS, k=4 if rich else rng.randint(1, 2)):
        items.append(("award", {"name": name, "level": level, "date": f"{grad - rng.randint(1, 3)}-{rng.choice(['05', '11'])}", "detail": ""}))
    for name in SKILLS[group][: 4 if rich else 2]:
        items.append(("skill", {"name": name, "level": rng.choice(["熟练", "熟练掌握", "良好"]), "detail": ""}))
    items.append(("skill", {"name": "办公软件", "level": "熟练", "detail": "Word、Excel、PowerPoint"}))
    self_evaluation = (
        "性格开朗，责任心强，能吃苦耐劳，愿意到基层医疗单位工作。\n"
        "临床基础扎实，善于与患者沟通，在实习中多次得到带教老师的肯定。"
    )
    if rich:
        self_evaluation += "\n学习能力强，关注学科进展，坚持阅读专业期刊；具有团队合作精神，能适应夜班与高强度工作。"
    return {"basics": basics, "intention": intention, "self_evaluation": self_evaluation, "items": items}


def _earlier_draft(doc: dict) -> dict:
    """The first submission of a resubmitted resume: vaguer, before the mentor's advice."""
    first = {**doc, "intention": {**doc["intention"], "position": "医生"},
             "self_evaluation": doc["self_evaluation"].split("\n")[0] + "\n本人认真负责，团结同学。",
             "sections": {key: list(items) for key, items in doc["sections"].items()}}
    rotations = first["sections"].get("rotation") or []
    if rotations:
        head = rotations[0]
        first["sections"]["rotation"] = [{"id": head["id"], "data": {**head["data"], "description": "在科室实习，参与日常临床工作。"}}, *rotations[1:]]
    if first["sections"].get("skill"):
        first["sections"]["skill"] = first["sections"]["skill"][:-1]
    return first


def _mentors_for(ctx, chosen: list[int]) -> dict[int, int]:
    """student_id → a mentor of each chosen student.

    With no caseloads at all yet, every student gets the primary mentor ctx.mentor_ids[i % n], i being
    the student's place in ctx.student_ids: the same rule the other features' demo seeds follow, so
    whichever seed runs first, the caseloads are the same. Otherwise the assigned mentors are used
    (the primary one first) and a chosen student without any gets that same rule's mentor.
    """
    if not ctx.mentor_ids:
        return {}
    rule = {sid: ctx.mentor_ids[i % len(ctx.mentor_ids)] for i, sid in enumerate(ctx.student_ids)}
    if not db.session.scalar(select(func.count(MentorAssignment.id))):
        rows = [dict(student_id=sid, mentor_id=mid, kind="primary", created_at=ctx.now, created_by_id=ctx.admin_id)
                for sid, mid in rule.items()]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(MentorAssignment), rows[start:start + 5000])
        return {sid: rule[sid] for sid in chosen}
    mentors: dict[int, int] = {}
    for student_id, mentor_id, kind in db.session.execute(
        select(MentorAssignment.student_id, MentorAssignment.mentor_id, MentorAssignment.kind)
        .where(MentorAssignment.student_id.in_(chosen)).order_by(MentorAssignment.id)
    ):
        if kind == "primary" or student_id not in mentors:
            mentors[student_id] = mentor_id
    missing = [sid for sid in chosen if sid not in mentors]
    if missing:
        db.session.execute(insert(MentorAssignment), [
            dict(student_id=sid, mentor_id=rule[sid], kind="primary", created_at=ctx.now, created_by_id=ctx.admin_id)
            for sid in missing
        ])
        mentors.update({sid: rule[sid] for sid in missing})
    return mentors


def seed(ctx) -> None:
    rng = ctx.rng
    if not ctx.student_ids:
        return
    put_setting("resumes.university_name", UNIVERSITY)
    count = min(len(ctx.student_ids), max(12, len(ctx.student_ids) // 50))
    chosen = list(ctx.student_ids[:count])
    mentors = _mentors_for(ctx, chosen)
    # mentor01 should have resumes to review whatever the caseloads are
    if ctx.mentor_ids:
        theirs = list(db.session.scalars(
            select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == ctx.mentor_ids[0])
            .order_by(MentorAssignment.student_id).limit(4)
        ))
        extra = [s for s in theirs if s not in mentors]
        mentors.update(_mentors_for(ctx, extra))
        chosen += extra
    people = {
        row.id: row._asdict() for row in db.session.execute(
            select(Student.id, Student.user_id, Student.major, Student.degree_level, Student.graduation_year,
                   Student.gender, Student.phone, Student.home_province, User.display_name.label("name"), User.username)
            .join(User, User.id == Student.user_id).where(Student.id.in_(chosen))
        )
    }
    mentor_names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(set(mentors.values())))).all())

    # one Chinese resume each; the first student (student0001) gets a rich one, a photo and an English one
    plans = []  # (student_id, state, rich, language)
    for i, student_id in enumerate(chosen):
        state = ["resubmitted", "waiting", "reviewed", "draft", "waiting"][i % 5]
        plans.append((student_id, state, i == 0, "zh"))
        if i == 0:
            plans.append((student_id, "draft", False, "en"))
    contents = [_content(rng, people[sid], rich) for sid, _, rich, _ in plans]
    now = ctx.now
    resume_rows = []
    for (student_id, state, rich, language), content in zip(plans, contents):
        changed = now - timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 20))
        title = "住院医师规范化培训申请" if rich else (content["intention"]["position"] if language == "zh" else "Resume (English)")
        resume_rows.append(dict(
            student_id=student_id, title=title[:100], language=language, template="chinese" if language == "zh" else "english",
            basics=content["basics"], intention=content["intention"], self_evaluation=content["self_evaluation"],
            has_photo=rich, status={"draft": "draft", "reviewed": "reviewed"}.get(state, "waiting"),
            created_at=changed - timedelta(days=20), updated_at=changed,
        ))
    resume_ids = list(db.session.scalars(insert(Resume).returning(Resume.id, sort_by_parameter_order=True), resume_rows))

    item_rows, owners = [], []
    for resume_id, content in zip(resume_ids, contents):
        positions: dict[str, int] = {}
        for section, data in content["items"]:
            positions[section] = positions.get(section, -1) + 1
            item_rows.append(dict(resume_id=resume_id, section=section, position=positions[section], data=data))
            owners.append(resume_id)
    item_ids = list(db.session.scalars(insert(ResumeItem).returning(ResumeItem.id, sort_by_parameter_order=True), item_rows))
    items_of: dict[int, list] = {}
    for item_id, row in zip(item_ids, item_rows):
        items_of.setdefault(row["resume_id"], []).append((item_id, row["section"], row["position"], row["data"]))

    photo_rows = []
    for resume_id, (student_id, state, rich, language) in zip(resume_ids, plans):
        if rich:
            picture = _demo_photo(rng)
            photo_rows.append(dict(resume_id=resume_id, data=picture.data, mime=picture.mime, width=picture.width,
                                   height=picture.height, digest=picture.digest, uploaded_at=now))
    if photo_rows:
        db.session.execute(insert(ResumePhoto), photo_rows)

    # versions: reviewed ones first (with comments), then the waiting ones
    version_rows, version_meta = [], []
    touched: dict[int, object] = {}  # resume id → last submission: not changed since
    for resume_id, row, (student_id, state, rich, language) in zip(resume_ids, resume_rows, plans):
        if state == "draft":
            continue
        doc = build_document(title=row["title"], language=language, template=row["template"], basics=row["basics"],
                             intention=row["intention"], self_evaluation=row["self_evaluation"], items=items_of[resume_id],
                             has_photo=row["has_photo"])
        mentor_id = mentors.get(student_id)
        submitted = now - timedelta(days=rng.randint(4, 12), hours=rng.randint(0, 23))
        reviewed = state in ("reviewed", "resubmitted") and mentor_id is not None
        first = _earlier_draft(doc) if state == "resubmitted" else doc
        version_rows.append(dict(
            resume_id=resume_id, student_id=student_id, number=1, content=first, note="老师好，请帮我看看这份简历，谢谢！" if rich else "",
            status="reviewed" if reviewed else "waiting", submitted_at=submitted, submitted_by_id=people[student_id]["user_id"],
            waiting_since=submitted, reviewed_at=submitted + timedelta(days=1, hours=3) if reviewed else None,
            reviewed_by_id=mentor_id if reviewed else None, review_summary=rng.choice(SUMMARIES) if reviewed else None,
        ))
        version_meta.append((resume_id, student_id, state, mentor_id, first))
        touched[resume_id] = submitted
        if state == "resubmitted" and reviewed:
            again = now - timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 23))
            version_rows.append(dict(
                resume_id=resume_id, student_id=student_id, number=2, content=doc, note="已按批注修改，请老师再审阅。",
                status="waiting", submitted_at=again, submitted_by_id=people[student_id]["user_id"], waiting_since=again,
            ))
            version_meta.append((resume_id, student_id, "again", mentor_id, doc))
            touched[resume_id] = again
    version_ids = list(db.session.scalars(insert(ResumeVersion).returning(ResumeVersion.id, sort_by_parameter_order=True), version_rows))

    comment_rows, interventions, notifications = [], [], []
    for version_id, vrow, (resume_id, student_id, state, mentor_id, doc) in zip(version_ids, version_rows, version_meta):
        if vrow["status"] != "reviewed":
            continue
        at = vrow["submitted_at"] + timedelta(hours=20)
        for section, body in rng.sample(sorted(COMMENTS.items()), k=4):
            entries = doc["sections"].get(section) or []
            item = entries[0] if entries else None
            label = anchor_label(section, item["data"], doc["language"]) if item is not None else ""
            resolved = rng.random() < 0.4
            comment_rows.append(dict(
                resume_id=resume_id, version_id=version_id, section=section, item_id=item["id"] if item else None,
                anchor_label=label, author_id=mentor_id, body=body, created_at=at,
                resolved_at=at + timedelta(days=2) if resolved else None,
                resolved_by_id=people[student_id]["user_id"] if resolved else None,
            ))
        interventions.append(dict(
            student_id=student_id, author_id=mentor_id, type="resume_coaching", channel="online", occurred_at=vrow["reviewed_at"],
            duration_minutes=rng.choice([20, 30, 45]), notes=vrow["review_summary"], visibility="student",
            source="resume_review", source_id=version_id, created_at=vrow["reviewed_at"], updated_at=vrow["reviewed_at"],
        ))
        title = doc["title"]
        notifications.append(dict(user_id=people[student_id]["user_id"], kind="resume.reviewed", link=f"/resumes/{resume_id}",
                                  params={"mentor": mentor_names.get(mentor_id, ""), "title": title},
                                  dedupe_key=f"resume.reviewed:{version_id}", created_at=vrow["reviewed_at"]))
    for vrow, (resume_id, student_id, state, mentor_id, doc), version_id in zip(version_rows, version_meta, version_ids):
        if vrow["status"] == "waiting" and mentor_id is not None:
            notifications.append(dict(user_id=mentor_id, kind="resume.submitted", link=f"/resumes/versions/{version_id}",
                                      params={"student": people[student_id]["name"], "title": doc["title"]},
                                      created_at=vrow["submitted_at"]))
    if touched:
        table = Resume.__table__
        db.session.execute(
            update(table).where(table.c.id == bindparam("rid")).values(updated_at=bindparam("at", type_=UTCDateTime())),
            [{"rid": rid, "at": at} for rid, at in touched.items()],
        )
    if comment_rows:
        comment_ids = list(db.session.scalars(
            insert(ResumeComment).returning(ResumeComment.id, sort_by_parameter_order=True), comment_rows))
        owner_of = {resume_id: people[plan[0]]["user_id"] for resume_id, plan in zip(resume_ids, plans)}
        replies = []
        for comment_id, row in zip(comment_ids, comment_rows):
            if row["resolved_at"] is not None or rng.random() < 0.3:
                replies.append(dict(resume_id=row["resume_id"], version_id=row["version_id"], parent_id=comment_id,
                                    section=row["section"], item_id=row["item_id"], anchor_label=row["anchor_label"],
                                    author_id=owner_of[row["resume_id"]], body=rng.choice(REPLIES),
                                    created_at=row["created_at"] + timedelta(hours=5)))
        if replies:
            db.session.execute(insert(ResumeComment), replies)
    if interventions:
        db.session.execute(insert(Intervention), interventions)
    if notifications:
        db.session.execute(insert(Notification), notifications)
