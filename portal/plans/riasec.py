"""The career-interest inventory: RIASEC marker items in Chinese and English, scoring, the code and
what it suggests in medicine and health.

Source and licence of the items
-------------------------------
The 48 items are the RIASEC Marker Scales of Armstrong, P. I., Allison, W., & Rounds, J. (2008),
"Development and initial validation of brief public domain RIASEC marker scales", Journal of
Vocational Behavior, 73(2), 287–299, taken from the Interest Item Pool. The authors placed the
items in the public domain: they may be used, translated and adapted without permission or fee.
The Chinese wording is MedPath's own translation. The response scale is the scale's five points
(dislike … enjoy).

Scoring
-------
Each scale is the sum of its eight items (1–5 each), so 8–40. The three-letter code is the three
highest scales, highest first. Ties are broken in Holland's fixed order R, I, A, S, E, C, and the
result page says so and lists the other codes the same scores allow.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select

from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.plans.models import InterestResult

LETTERS = ("R", "I", "A", "S", "E", "C")
SCALE_MIN, SCALE_MAX = 8, 40
FLAT_PROFILE_SPREAD = 5  # highest minus lowest at most this: the scores hardly tell the interests apart

SOURCE = (
    "Armstrong, P. I., Allison, W., & Rounds, J. (2008). Development and initial validation of brief "
    "public domain RIASEC marker scales. Journal of Vocational Behavior, 73(2), 287–299."
)


@dataclass(frozen=True)
class Item:
    id: str  # "R1"
    en: str
    zh: str

    @property
    def scale(self) -> str:
        return self.id[0]

    def text(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


ITEMS: tuple[Item, ...] = (
    Item("R1", "Test the quality of parts before shipment", "在产品发货前检验零部件的质量"),
    Item("R2", "Lay brick or tile", "砌砖或铺瓷砖"),
    Item("R3", "Work on an offshore oil-drilling rig", "在海上石油钻井平台工作"),
    Item("R4", "Assemble electronic parts", "组装电子零件"),
    Item("R5", "Operate a grinding machine in a factory", "在工厂里操作磨床"),
    Item("R6", "Fix a broken faucet", "修理坏了的水龙头"),
    Item("R7", "Assemble products in a factory", "在工厂里组装产品"),
    Item("R8", "Install flooring in houses", "为住宅铺装地板"),
    Item("I1", "Study the structure of the human body", "研究人体的结构"),
    Item("I2", "Study animal behavior", "研究动物的行为"),
    Item("I3", "Do research on plants or animals", "对植物或动物进行研究"),
    Item("I4", "Develop a new medical treatment or procedure", "研发一种新的医学疗法或诊疗操作"),
    Item("I5", "Conduct biological research", "开展生物学研究"),
    Item("I6", "Study whales and other types of marine life", "研究鲸鱼和其他海洋生物"),
    Item("I7", "Work in a biology lab", "在生物实验室工作"),
    Item("I8", "Make a map of the bottom of an ocean", "绘制海底地形图"),
    Item("A1", "Conduct a musical choir", "指挥合唱团"),
    Item("A2", "Direct a play", "导演一部话剧"),
    Item("A3", "Design artwork for magazines", "为杂志设计美术作品"),
    Item("A4", "Write a song", "创作一首歌曲"),
    Item("A5", "Write books or plays", "写书或写剧本"),
    Item("A6", "Play a musical instrument", "演奏一种乐器"),
    Item("A7", "Perform stunts for a movie or television show", "为电影或电视节目表演特技"),
    Item("A8", "Design sets for plays", "为话剧设计舞台布景"),
    Item("S1", "Give career guidance to people", "为他人提供职业指导"),
    Item("S2", "Do volunteer work at a non-profit organization", "在非营利组织做志愿工作"),
    Item("S3", "Help people who have problems with drugs or alcohol", "帮助有吸毒或酗酒问题的人"),
    Item("S4", "Teach an individual an exercise routine", "教一个人一套锻炼动作"),
    Item("S5", "Help people with family-related problems", "帮助人们解决与家庭有关的问题"),
    Item("S6", "Supervise the activities of children at a camp", "在夏令营里照看孩子们的活动"),
    Item("S7", "Teach children how to read", "教孩子们阅读"),
    Item("S8", "Help elderly people with their daily activities", "帮助老年人料理日常生活"),
    Item("E1", "Sell restaurant franchises to individuals", "向个人出售餐厅的特许经营权"),
    Item("E2", "Sell merchandise at a department store", "在百货商店销售商品"),
    Item("E3", "Manage the operations of a hotel", "管理一家酒店的运营"),
    Item("E4", "Operate a beauty salon or barber shop", "经营一家美容院或理发店"),
    Item("E5", "Manage a department within a large company", "管理一家大公司里的一个部门"),
    Item("E6", "Manage a clothing store", "管理一家服装店"),
    Item("E7", "Sell houses", "销售房屋"),
    Item("E8", "Run a toy store", "经营一家玩具店"),
    Item("C1", "Generate the monthly payroll checks for an office", "为一个办公室制作每月的工资单"),
    Item("C2", "Inventory supplies using a hand-held computer", "用手持终端盘点物资"),
    Item("C3", "Use a computer program to generate customer bills", "用计算机程序生成客户账单"),
    Item("C4", "Maintain employee records", "维护员工档案"),
    Item("C5", "Compute and record statistical and other numerical data", "计算并记录统计数据和其他数值数据"),
    Item("C6", "Operate a calculator", "操作计算器"),
    Item("C7", "Handle customers' bank transactions", "为客户办理银行业务"),
    Item("C8", "Keep shipping and receiving records", "记录货物的收发"),
)
ITEM_IDS = tuple(item.id for item in ITEMS)


def administration_order() -> list[Item]:
    """The items as the inventory presents them: one of each scale in turn (R1, I1, A1 … C8)."""
    by_scale = {letter: [item for item in ITEMS if item.scale == letter] for letter in LETTERS}
    return [by_scale[letter][n] for n in range(8) for letter in LETTERS]


RESPONSE_LABELS = (
    (1, _l("Dislike")),
    (2, _l("Slightly dislike")),
    (3, _l("Neither like nor dislike")),
    (4, _l("Slightly enjoy")),
    (5, _l("Enjoy")),
)


def score(answers: dict[str, int]) -> dict[str, int]:
    """The six scale scores (sums of eight items, 8–40). Every item must be answered 1–5."""
    totals = {letter: 0 for letter in LETTERS}
    for item_id in ITEM_IDS:
        value = answers.get(item_id)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise RuleViolation(_("Please answer every activity, from 1 to 5."))
        totals[item_id[0]] += value
    return totals


def _ranked(scores: dict[str, int]) -> list[str]:
    return sorted(LETTERS, key=lambda letter: (-scores[letter], LETTERS.index(letter)))


def code(scores: dict[str, int]) -> str:
    """The three highest scales, highest first; equal scores keep the order R, I, A, S, E, C."""
    return "".join(_ranked(scores)[:3])


def alternative_codes(scores: dict[str, int]) -> list[str]:
    """Other three-letter codes the same scores allow when ties are broken differently."""
    groups = [list(group) for _, group in itertools.groupby(_ranked(scores), key=lambda letter: scores[letter])]
    found: list[str] = []
    for orders in itertools.product(*(itertools.permutations(group) for group in groups)):
        candidate = "".join(letter for order in orders for letter in order)[:3]
        if candidate not in found:
            found.append(candidate)
    main = code(scores)
    return [c for c in found if c != main]


def is_flat(scores: dict[str, int]) -> bool:
    return max(scores.values()) - min(scores.values()) <= FLAT_PROFILE_SPREAD


@dataclass(frozen=True)
class TypeInfo:
    letter: str
    name: object
    description: object
    in_health: object


TYPES = {
    "R": TypeInfo("R", _l("Realistic"),
                  _l("Likes practical, hands-on work with tools, instruments, machines and the body."),
                  _l("Surgery and procedures, rehabilitation therapy, medical imaging, laboratory and device work.")),
    "I": TypeInfo("I", _l("Investigative"),
                  _l("Likes to observe, analyse and solve problems; curious about how things work."),
                  _l("Diagnosis, clinical and basic research, epidemiology, pharmacology.")),
    "A": TypeInfo("A", _l("Artistic"),
                  _l("Likes to create, express and design; prefers open tasks to fixed routines."),
                  _l("Health communication and education, medical illustration, design of health services.")),
    "S": TypeInfo("S", _l("Social"),
                  _l("Likes to help, teach, care for and counsel people."),
                  _l("Patient care, nursing, general practice, health education, counselling.")),
    "E": TypeInfo("E", _l("Enterprising"),
                  _l("Likes to lead, persuade, organise and take responsibility for results."),
                  _l("Hospital and health management, pharmaceutical and device business, starting a practice.")),
    "C": TypeInfo("C", _l("Conventional"),
                  _l("Likes orderly work with data, records and clear procedures."),
                  _l("Medical records and health data, quality control, pharmacy management, insurance review.")),
}


@dataclass(frozen=True)
class Direction:
    key: str
    profile: str  # the RIASEC letters that fit it best, best first
    name: object
    examples: object


DIRECTIONS: tuple[Direction, ...] = (
    Direction("clinical", "ISR", _l("Clinical practice"),
              _l("Physician posts in hospitals; standardised residency training (规培) in a specialty.")),
    Direction("grassroots", "SIR", _l("Grassroots general practice"),
              _l("Community health service centres, township health centres, village clinics; general-practice training.")),
    Direction("public_health", "ICS", _l("Public health and prevention"),
              _l("Centres for disease control, health supervision, community prevention and chronic-disease management.")),
    Direction("research", "IRA", _l("Medical research"),
              _l("Laboratories, research institutes, graduate and doctoral study.")),
    Direction("nursing_rehab", "SRI", _l("Nursing, rehabilitation and elderly care"),
              _l("Ward nursing, rehabilitation therapy, medical and elderly-care institutions.")),
    Direction("medical_technology", "RIC", _l("Medical technology and laboratory medicine"),
              _l("Imaging, clinical laboratory, pathology, equipment and technical posts.")),
    Direction("mental_health", "SIA", _l("Mental health and counselling"),
              _l("Psychiatric departments, counselling centres, school and community mental-health services.")),
    Direction("health_education", "SAE", _l("Health education and promotion"),
              _l("Health education in hospitals, schools and communities; health communication and media.")),
    Direction("health_management", "ECS", _l("Health management and administration"),
              _l("Hospital administration, health-management companies, medical insurance and health policy.")),
    Direction("industry", "EIC", _l("Pharmaceutical and medical-device industry"),
              _l("Research and development, registration, medical affairs, quality and sales in companies.")),
    Direction("informatics", "CIR", _l("Health data and medical informatics"),
              _l("Medical records, hospital information systems, health statistics and data analysis.")),
)


def directions_for(code_letters: str, *, limit: int = 4) -> list[Direction]:
    """Directions in medicine and health that fit a code best.

    A letter in position 1, 2, 3 of the code weighs 3, 2, 1; the same for its position in a
    direction's profile; a direction scores the sum of the products over shared letters. Equal
    scores keep the order of DIRECTIONS.
    """
    def fit(direction: Direction) -> int:
        total = 0
        for i, letter in enumerate(code_letters):
            j = direction.profile.find(letter)
            if j >= 0:
                total += (3 - i) * (3 - j)
        return total

    ranked = sorted(DIRECTIONS, key=lambda d: -fit(d))
    return [d for d in ranked if fit(d) > 0][:limit]


# --- a student's results ----------------------------------------------------------------

def record_interest(student, answers: dict[str, int], *, actor) -> InterestResult:
    """Score a completed inventory and keep it as the student's newest result."""
    scores = score(answers)
    result = InterestResult(
        student_id=student.id,
        answers={item_id: answers[item_id] for item_id in ITEM_IDS},
        scores=scores,
        code=code(scores),
        taken_by_id=actor.id,
    )
    db.session.add(result)
    db.session.flush()
    return result


def latest_interest(student_id: int) -> InterestResult | None:
    return db.session.scalar(
        select(InterestResult).where(InterestResult.student_id == student_id)
        .order_by(InterestResult.taken_at.desc(), InterestResult.id.desc()).limit(1)
    )


def latest_codes(student_ids: list[int]) -> dict[int, str]:
    """The latest interest code of each student, in one query."""
    if not student_ids:
        return {}
    # in the order taken: each student's last result is the one the dict keeps
    return dict(db.session.execute(
        select(InterestResult.student_id, InterestResult.code)
        .where(InterestResult.student_id.in_(student_ids)).order_by(InterestResult.id)
    ).all())
