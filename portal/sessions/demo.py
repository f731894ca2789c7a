"""Demo group sessions: volunteers' profiles, past sessions with attendance and ratings, sessions to
come with registrations, a full one with a waitlist, and proposals for the office to review."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.services import notify
from portal.sanitize import plain_to_html
from portal.sessions.models import AlumniProfile, GroupSession, Registration
from portal.sessions.notices import PROPOSED, session_path

BEIJING = ZoneInfo("Asia/Shanghai")

EMPLOYERS = [
    ("四川大学华西医院", "心内科主治医师"), ("北京协和医院", "内分泌科住院医师"),
    ("中南大学湘雅医院", "普外科主治医师"), ("复旦大学附属中山医院", "麻醉科主治医师"),
    ("贵州省人民医院", "急诊科副主任医师"), ("河南省人民医院", "护理部护士长"),
    ("武汉大学口腔医院", "口腔正畸科医师"), ("遵义市疾病预防控制中心", "流行病学科科员"),
    ("昆明市第一人民医院", "医学影像科主治医师"), ("甘肃省中医院", "针灸科主治医师"),
    ("某乡镇卫生院", "全科医生（特岗）"), ("恒瑞医药", "临床医学联络官"),
    ("广州市妇女儿童医疗中心", "儿科主治医师"), ("湖南省肿瘤医院", "临床药师"),
]
MAJORS = ["临床医学", "护理学", "口腔医学", "预防医学", "医学影像学", "中医学", "药学"]
TOPICS = [
    "规培经历", "三甲医院招聘面试", "考研与考博", "基层就业", "特岗与三支一扶", "医患沟通",
    "护士执业资格考试", "民营医院发展", "公共卫生岗位", "医药企业职业路径", "执业医师考试备考",
    "读研还是工作", "简历怎么写", "第一年住院医师的生活",
]
BIOS = [
    "毕业后在基层工作三年，再考回省城读研，愿意和学弟学妹聊聊选择。",
    "规培三年里换过很多科室，对怎样适应临床工作有些体会。",
    "参加过多次医院招聘面试，也当过面试官。",
    "从临床转到企业，能讲讲医学生的另一种可能。",
]
COMMENTS = [
    "讲得很实在，对选择规培基地很有帮助。", "案例很多，听完心里有底了。", "希望下次时间再长一点。",
    "模拟面试环节最有用。", "学长分享的基层经历让我重新考虑了就业方向。", "资料很全，谢谢老师！",
    "互动有点少。", "OSCE 站点讲解很清楚。", "团体辅导氛围很好，压力小了很多。",
]

# recurring series for a large class's programme: (kind, title, place)
SERIES = [
    ("skills_training", "OSCE 临床技能强化训练", "临床技能中心"),
    ("skills_training", "医院招聘结构化面试练习", "教学楼 B201"),
    ("career_lecture", "基层就业政策宣讲", "行政楼一楼学术报告厅"),
    ("career_lecture", "研究生招生与规培政策说明", "图书馆报告厅"),
    ("group_counseling", "求职压力团体辅导", "心理健康教育中心团辅室"),
    ("alumni_sharing", "校友面对面：医院里的第一年", "线上（腾讯会议）"),
]

# (days from now, local start hour, hours, kind, title, host key, capacity, place, description)
PAST = [
    (-45, 19, 1.5, "alumni_sharing", "从规培到主治：一名内科医生的十年", "alumni0", 80, "图书馆报告厅",
     "学长从规培讲到主治，谈选择医院、准备考核和与患者相处。\n\n欢迎带着问题来。"),
    (-38, 14, 2, "career_lecture", "2027届医学生就业形势与政策解读", "admin", 200, "行政楼一楼学术报告厅",
     "就业指导中心解读今年的招聘形势、基层就业政策与各类补贴。"),
    (-30, 9, 3, "skills_training", "OSCE 临床技能考前模拟（第一期）", "mentor1", 24, "临床技能中心 3 楼",
     "按考站流程模拟：病史采集、体格检查、基本操作。请穿白大褂。"),
    (-21, 15, 1.5, "group_counseling", "求职焦虑团体辅导", "mentor0", 12, "心理健康教育中心团辅室",
     "在安全、保密的小组里聊聊求职压力，学习放松与应对的方法。"),
    (-14, 19, 2, "skills_training", "结构化面试技巧训练营", "mentor0", 30, "教学楼 B201",
     "医院招聘结构化面试的常见题型与答题思路，现场分组练习。"),
    (-7, 19, 1.5, "alumni_sharing", "基层医疗卫生机构就业经验分享", "alumni1", 60, "线上（腾讯会议）",
     "在乡镇卫生院工作的校友讲讲基层的真实工作和成长空间。"),
]
UPCOMING = [
    (4, 14, 2, "career_lecture", "事业单位与医院招聘笔试备考", "admin", 150, "行政楼一楼学术报告厅",
     "医疗卫生事业单位公开招聘笔试的考试内容与备考安排。", 0),
    (6, 19, 1.5, "alumni_sharing", "在三甲医院的第一年", "alumni0", 60, "图书馆报告厅",
     "第一年住院医师怎样安排学习、值班和生活。", 0),
    (9, 9, 3, "skills_training", "OSCE 临床技能考前模拟（第二期）", "mentor0", 24, "临床技能中心 3 楼",
     "第一期学员反馈后的加强版，名额有限，满员后可排队候补。", 0),
    (11, 15, 1.5, "group_counseling", "生涯探索团体辅导：找到适合我的方向", "mentor1", 10, "心理健康教育中心团辅室",
     "通过生涯卡片与小组讨论，梳理自己的兴趣与优势。", 0),
    (16, 14, 2, "skills_training", "简历与求职信工作坊", "mentor0", 40, "教学楼 B305",
     "带上你的简历，现场修改。", 3),
    (20, 19, 1.5, "alumni_sharing", "特岗与三支一扶：到基层去", "alumni2", 80, "线上（腾讯会议）",
     "参加过三支一扶的校友讲讲报名、服务期和之后的出路。", 0),
    (25, 14, 2, "career_lecture", "护理专业就业与护士执业资格考试", "mentor2", 120, "护理学院报告厅",
     "护理专业的就业去向与护士执业资格考试的时间安排。", 0),
]


def _at(now: datetime, days: int, hour: int) -> datetime:
    """The day `days` from now at `hour` o'clock Beijing time, in UTC."""
    local_day = now.astimezone(BEIJING).date() + timedelta(days=days)
    return datetime.combine(local_day, time(hour), tzinfo=BEIJING).astimezone(timezone.utc)


def seed(ctx) -> None:
    rng, now = ctx.rng, ctx.now
    hosts = {"admin": ctx.admin_id}
    hosts.update({f"mentor{i}": uid for i, uid in enumerate(ctx.mentor_ids[:3])})
    hosts.update({f"alumni{i}": uid for i, uid in enumerate(ctx.alumni_ids[:3])})

    for index, user_id in enumerate(ctx.alumni_ids):
        employer, post = EMPLOYERS[index] if index < len(EMPLOYERS) else rng.choice(EMPLOYERS)
        db.session.add(AlumniProfile(
            user_id=user_id, graduation_year=rng.randint(2006, 2020), major=rng.choice(MAJORS),
            employer=employer, post=post, topics=rng.sample(TOPICS, rng.randint(2, 4)),
            bio=rng.choice(BIOS), show_on_sessions=rng.random() < 0.85, updated_at=now,
        ))

    students = ctx.student_ids
    me = students[0]  # student0001, the demo student
    others = students[1:]
    registration_rows: list[dict] = []

    def make(days, hour, hours, kind, title, host, capacity, place, description, *, status="published",
             opens_in_days=None, **extra) -> GroupSession:
        starts = _at(now, days, hour)
        if opens_in_days is None:
            opens = min(starts - timedelta(days=14), now - timedelta(days=3))
        else:
            opens = now + timedelta(days=opens_in_days)
        gs = GroupSession(
            kind=kind, title=title, description=plain_to_html(description), host_id=hosts[host], created_by_id=hosts[host],
            starts_at=starts, ends_at=starts + timedelta(hours=hours), place=place, capacity=capacity,
            registration_opens_at=min(opens, starts - timedelta(hours=1)), registration_closes_at=starts,
            status=status, registered_count=0, waitlisted_count=0, next_position=0,
            created_at=min(now, opens) - timedelta(days=2), **extra,
        )
        db.session.add(gs)
        db.session.flush()
        return gs

    def fill(gs: GroupSession, *, seats: int, waiting: int = 0, include_me: str | None = None,
             attended_share: float = 0.0, rated_share: float = 0.0, my_rating: int | None = None) -> None:
        """Registrations in arrival order; the demo student takes a seat, or a waitlist place."""
        seats = min(seats, gs.capacity, len(students))
        pool = rng.sample(others, min(len(others), seats + waiting))
        if include_me == "seat":
            pool = [me] + pool
        elif include_me == "waitlist":
            pool.insert(min(seats + 2, len(pool)), me)
        pool = pool[: seats + waiting]
        if include_me == "waitlist" and me not in pool:
            pool.append(me)
        past = gs.starts_at <= now
        window = max(1.0, (min(gs.registration_closes_at, now) - gs.registration_opens_at).total_seconds())
        offsets = sorted(rng.uniform(0, window) for _ in pool)
        for position, (student_id, offset) in enumerate(zip(pool, offsets), start=1):
            seated = position <= min(seats, gs.capacity)
            attended = past and seated and (student_id == me or rng.random() < attended_share)
            rating = None
            if attended and student_id == me:
                rating = my_rating
            elif attended and rng.random() < rated_share:
                rating = rng.choices([5, 4, 3, 2], weights=[45, 35, 15, 5])[0]
            registration_rows.append(dict(
                session_id=gs.id, student_id=student_id, status="registered" if seated else "waitlisted",
                position=position, registered_at=gs.registration_opens_at + timedelta(seconds=offset),
                attended=attended, checked_in_at=gs.starts_at + timedelta(minutes=rng.randint(-15, 10)) if attended else None,
                checked_in_by_id=gs.host_id if attended else None, rating=rating,
                rating_comment=rng.choice(COMMENTS) if rating and rng.random() < 0.5 else None,
                rated_at=gs.ends_at + timedelta(hours=rng.randint(1, 48)) if rating else None,
            ))
            if seated:
                gs.registered_count += 1
            else:
                gs.waitlisted_count += 1
        gs.next_position = len(pool)

    # past sessions: the demo student attended two, rated one, and may still rate the other
    past = [make(*row) for row in PAST]
    fill(past[0], seats=int(past[0].capacity * 0.8), include_me="seat", attended_share=0.85, rated_share=0.6, my_rating=5)
    fill(past[1], seats=int(past[1].capacity * 0.7), attended_share=0.8, rated_share=0.4)
    fill(past[2], seats=past[2].capacity, waiting=6, include_me="seat", attended_share=0.9, rated_share=0.7)
    fill(past[3], seats=past[3].capacity - 2, attended_share=0.9, rated_share=0.8)
    fill(past[4], seats=past[4].capacity - 4, attended_share=0.75, rated_share=0.5)
    fill(past[5], seats=int(past[5].capacity * 0.6), attended_share=0.7, rated_share=0.5)

    upcoming = [make(*row[:9], opens_in_days=row[9] or None) for row in UPCOMING]
    fill(upcoming[0], seats=int(upcoming[0].capacity * 0.4), include_me="seat")
    fill(upcoming[1], seats=int(upcoming[1].capacity * 0.5))
    # the full one: every seat taken and a waitlist, the demo student third in line
    full = upcoming[2]
    full.capacity = max(1, min(full.capacity, len(students) // 3))
    fill(full, seats=full.capacity, waiting=max(1, min(9, len(students) - full.capacity - 1)), include_me="waitlist")
    fill(upcoming[3], seats=upcoming[3].capacity - 3)
    # upcoming[4]: registration not open yet
    fill(upcoming[5], seats=int(upcoming[5].capacity * 0.3))
    fill(upcoming[6], seats=int(upcoming[6].capacity * 0.25))

    # one cancelled, with the students who had registered
    cancelled = make(8, 19, 1.5, "career_lecture", "医药企业招聘宣讲", "admin", 100, "行政楼一楼学术报告厅",
                     "企业人力资源经理介绍医药代表与临床监查员岗位。", status="cancelled",
                     cancel_reason="企业行程调整，宣讲改期，新时间另行通知。", cancelled_at=now - timedelta(days=1))
    fill(cancelled, seats=20)

    # proposals from volunteers: one for the office to review, one declined with a reason
    proposal = make(18, 19, 1.5, "alumni_sharing", "口腔医学毕业生的民营机构之路", "alumni0", 50, "口腔医学院报告厅",
                    "在民营口腔连锁机构工作五年的体会：薪酬、成长与风险。", status="proposed")
    make(12, 19, 1, "skills_training", "医学英语面试口语", "alumni1", 30, "线上（腾讯会议）",
         "外企与合资医院英语面试的常见问题。", status="declined",
         review_note="与已有的面试训练营时间重叠，请改到下月再提交。", reviewed_by_id=ctx.admin_id, reviewed_at=now)

    # a large class has a busier programme: more sessions, before and after today
    hosts_pool = ctx.mentor_ids + ctx.alumni_ids
    for number in range(min(120, len(students) // 200)):
        kind, title, place = rng.choice(SERIES)
        days = -rng.randint(3, 300) if number % 6 else rng.randint(3, 40)
        host_id = rng.choice(hosts_pool)
        key = f"extra{number}"
        hosts[key] = host_id
        gs = make(days, rng.choice([9, 14, 15, 19]), rng.choice([1, 1.5, 2]), kind, f"{title}（第{number + 3}期）",
                  key, rng.choice([20, 30, 40, 60, 100]), place, "欢迎报名，名额有限。")
        fill(gs, seats=int(gs.capacity * rng.uniform(0.4, 1.0)), attended_share=0.8, rated_share=0.5)

    for start in range(0, len(registration_rows), 2000):
        db.session.execute(insert(Registration), registration_rows[start:start + 2000])
    volunteer = db.session.get(User, proposal.host_id)
    notify(ctx.admin_id, PROPOSED, link=session_path(proposal.id), host=volunteer.display_name, title=proposal.title)
    db.session.flush()
