"""Deterministic, realistic demo data: a medical university's graduating class and its office."""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from portal.accounts.models import Role, User
from portal.extensions import db, refresh_statistics
from portal.models_base import utcnow
from portal.students.models import Student

DEMO_PASSWORD = "demo-pass-123"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_SINGLE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华兰红梅鑫宇浩琪婷莹博鸣康宁瑶雨彤颖睿航"
GIVEN_DOUBLE = (
    "子涵 欣怡 梓轩 雨萱 思远 佳琪 晨曦 嘉怡 俊杰 文博 一鸣 志强 海燕 晓东 婷婷 雪莹 建国 春生 立新 德胜 "
    "学文 安康 永宁 泽宇 若曦 语桐 可馨 天佑 书瑶 诗雨 浩然 子豪 梦琪 宇航 佳怡 明轩 思雨 欣然 家豪 晓雯 "
    "秀英 桂芳 丽娟 红霞 志明 建华 海涛 晓燕 雅婷 俊熙"
).split()

# college -> majors taught there
COLLEGES: dict[str, list[str]] = {
    "临床医学院": ["临床医学", "麻醉学", "医学影像学", "儿科学", "精神医学"],
    "口腔医学院": ["口腔医学"],
    "护理学院": ["护理学", "助产学"],
    "药学院": ["药学", "临床药学", "药物制剂"],
    "公共卫生学院": ["预防医学", "卫生检验与检疫", "食品卫生与营养学"],
    "中医学院": ["中医学", "针灸推拿学", "中西医临床医学"],
    "医学技术学院": ["医学检验技术", "康复治疗学", "医学影像技术"],
    "基础医学院": ["基础医学", "生物医学工程"],
    "人文与管理学院": ["公共事业管理", "健康服务与管理"],
}
COLLEGE_WEIGHTS = [34, 6, 16, 10, 9, 10, 8, 3, 4]

PROVINCES = [
    "河南", "四川", "贵州", "云南", "甘肃", "广西", "湖南", "湖北", "江西", "安徽", "山东", "河北",
    "山西", "陕西", "重庆", "黑龙江", "吉林", "内蒙古", "新疆", "宁夏", "青海", "西藏", "海南",
    "广东", "福建", "浙江", "江苏", "辽宁", "北京", "上海", "天津",
]
MENTOR_TITLES = ["就业指导教师", "辅导员", "心理咨询师"]


@dataclass
class SeedContext:
    """What the base seed made, handed to each feature's demo.seed(ctx) to build on."""

    rng: random.Random
    now: object
    password_hash: str
    admin_id: int
    mentor_ids: list[int]
    alumni_ids: list[int]
    student_ids: list[int]  # Student.id, in student-number order
    student_user_ids: list[int]


@dataclass
class SeedSummary:
    accounts: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        lines = ["Demo data loaded. Every demo account's password is " + DEMO_PASSWORD + "."]
        for role, names in self.accounts.items():
            shown = ", ".join(names[:3]) + (f" … {names[-1]}" if len(names) > 3 else "")
            lines.append(f"  {role:<8} {len(names):>6}  {shown}")
        return "\n".join(lines)


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count(User.id))))


def chinese_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN_DOUBLE) if rng.random() < 0.6 else rng.choice(GIVEN_SINGLE)
    return surname + given


def seed(*, n_students: int = 200, seed: int = 2026) -> SeedSummary:
    """Fill an empty database. The same arguments give the same data, row for row."""
    rng = random.Random(seed)
    # one hash for every demo account: hashing 20,000 passwords would take half an hour
    password_hash = generate_password_hash(DEMO_PASSWORD)
    now = utcnow()
    summary = SeedSummary()

    n_mentors = max(3, n_students // 100)
    n_alumni = max(3, n_students // 500)

    def account(username: str, name: str, role: str) -> dict:
        return dict(
            username=username,
            display_name=name,
            role=role,
            email=f"{username}@example.edu.cn",
            password_hash=password_hash,
            active=True,
            must_change_password=False,
            created_at=now,
            password_changed_at=now,
        )

    rows = [account("admin", "就业指导中心管理员", Role.ADMIN)]
    summary.accounts["admin"] = ["admin"]
    mentors = [f"mentor{i:02d}" for i in range(1, n_mentors + 1)]
    rows += [account(u, chinese_name(rng), Role.MENTOR) for u in mentors]
    summary.accounts["mentor"] = mentors
    alumni = [f"alumni{i:02d}" for i in range(1, n_alumni + 1)]
    rows += [account(u, chinese_name(rng), Role.ALUMNI) for u in alumni]
    summary.accounts["alumni"] = alumni
    students = [f"student{i:04d}" for i in range(1, n_students + 1)]
    student_names = [chinese_name(rng) for _ in students]
    rows += [account(u, name, Role.STUDENT) for u, name in zip(students, student_names)]
    summary.accounts["student"] = students

    for start in range(0, len(rows), 2000):
        db.session.execute(insert(User), rows[start:start + 2000])
    ids = dict(db.session.execute(select(User.username, User.id).where(User.role == Role.STUDENT)).all())

    colleges = list(COLLEGES)
    student_rows = []
    for index, username in enumerate(students, start=1):
        college = rng.choices(colleges, weights=COLLEGE_WEIGHTS)[0]
        major = rng.choice(COLLEGES[college])
        degree = rng.choices(["bachelor", "master", "doctor"], weights=[75, 20, 5])[0]
        graduation_year = 2027 if rng.random() < 0.85 else 2026
        entry_year = graduation_year - {"bachelor": 5, "master": 3, "doctor": 3}[degree]
        college_code = colleges.index(college) + 1
        student_rows.append(
            dict(
                user_id=ids[username],
                student_no=f"{entry_year}{college_code:02d}{index:05d}",
                gender=rng.choice(["female", "female", "male"]) if college == "护理学院" else rng.choice(["female", "male"]),
                college=college,
                major=major,
                degree_level=degree,
                graduation_year=graduation_year,
                class_name=f"{major}{entry_year % 100:02d}级{rng.randint(1, 4)}班",
                home_province=rng.choice(PROVINCES),
                origin="rural" if rng.random() < 0.55 else "urban",
                phone=f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}",
                created_at=now,
                updated_at=now,
            )
        )
    for start in range(0, len(student_rows), 2000):
        db.session.execute(insert(Student), student_rows[start:start + 2000])
    db.session.flush()

    by_role: dict[str, list[int]] = {}
    for user_id, role in db.session.execute(select(User.id, User.role).order_by(User.id)):
        by_role.setdefault(role, []).append(user_id)
    student_pairs = db.session.execute(select(Student.id, Student.user_id).order_by(Student.id)).all()
    ctx = SeedContext(
        rng=rng,
        now=now,
        password_hash=password_hash,
        admin_id=by_role[Role.ADMIN][0],
        mentor_ids=by_role.get(Role.MENTOR, []),
        alumni_ids=by_role.get(Role.ALUMNI, []),
        student_ids=[pair[0] for pair in student_pairs],
        student_user_ids=[pair[1] for pair in student_pairs],
    )
    # each feature adds its own demo data, in the order of FEATURES
    from portal import feature_modules

    for module in feature_modules("demo"):
        module.seed(ctx)
        db.session.flush()
    db.session.commit()
    refresh_statistics()
    summary.counts = {role: len(names) for role, names in summary.accounts.items()}
    return summary
