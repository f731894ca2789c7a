"""What a resume is made of: its sections, their fields, and how an entry reads in Chinese or English.

The user interface speaks the reader's language (gettext); the document itself speaks the resume's
language, whatever the reader's: a Chinese resume printed by an English-speaking mentor still says
教育背景. The document's own words are therefore kept here, in both languages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.i18n import lazy_gettext as _l

LANGUAGES = ("zh", "en")
TEMPLATES = ("chinese", "english")
MONTH = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # lazy UI label
    kind: str = "text"  # text, textarea, month, select, url
    max_length: int = 100
    required: bool = False
    options: tuple[str, ...] = ()  # keys of OPTION_LABELS for select fields
    suggestions: tuple[str, ...] = ()  # offered in a <datalist>, not enforced


@dataclass(frozen=True)
class Section:
    key: str
    label: object  # lazy UI label
    kind: str  # "single" (one form) or "list" (items)
    fields: tuple[Field, ...] = ()
    max_items: int = 30
    hint: object = ""
    doc: dict = field(default_factory=dict)  # heading in the document's language


DESCRIPTION = 2000

BASICS = Section(
    "basics", _l("Basic information"), "single",
    (
        Field("full_name", _l("Full name"), required=True, max_length=50),
        Field("gender", _l("Gender"), "select", options=("", "female", "male")),
        Field("birth_month", _l("Born (year and month)"), "month", max_length=7),
        Field("ethnicity", _l("Ethnicity"), max_length=20, suggestions=("汉族", "壮族", "回族", "满族", "维吾尔族", "苗族", "彝族", "土家族", "藏族", "蒙古族")),
        Field("political_status", _l("Political status"), "select",
              options=("", "party_member", "probationary_member", "league_member", "masses")),
        Field("native_place", _l("Native place"), max_length=50),
        Field("phone", _l("Phone"), max_length=32),
        Field("email", _l("E-mail"), max_length=120),
        Field("city", _l("Current city"), max_length=50),
        Field("homepage", _l("Web page (optional)"), "url", max_length=200),
    ),
    doc={"zh": "基本信息", "en": "Personal details"},
)

INTENTION = Section(
    "intention", _l("Job intention"), "single",
    (
        Field("position", _l("Post sought"), max_length=100, required=True,
              suggestions=("临床医师", "住院医师规范化培训", "护士", "药师", "医学检验技师", "康复治疗师", "公共卫生医师")),
        Field("unit_type", _l("Kind of unit"), max_length=100,
              suggestions=("三级甲等医院", "二级医院", "社区卫生服务中心", "乡镇卫生院", "疾病预防控制中心", "医药企业")),
        Field("post_type", _l("Kind of post"), "select",
              options=("", "establishment", "contract", "residency", "grassroots_programme", "any")),
        Field("locations", _l("Places"), max_length=100),
        Field("available_from", _l("Available from"), "month", max_length=7),
        Field("salary", _l("Expected salary"), max_length=50),
    ),
    doc={"zh": "求职意向", "en": "Objective"},
)

EDUCATION = Section(
    "education", _l("Education"), "list",
    (
        Field("school", _l("School"), required=True),
        Field("major", _l("Major"), required=True, suggestions=("临床医学", "口腔医学", "护理学", "药学", "医学影像学", "预防医学", "中医学", "麻醉学", "儿科学", "医学检验技术", "康复治疗学")),
        Field("degree", _l("Degree"), "select", options=("", "junior_college", "bachelor", "master", "doctor")),
        Field("start", _l("From (year and month)"), "month", max_length=7, required=True),
        Field("end", _l("To (empty: until now)"), "month", max_length=7),
        Field("ranking", _l("GPA or ranking"), max_length=100),
        Field("details", _l("Main courses, thesis, honours"), "textarea", max_length=DESCRIPTION),
    ),
    max_items=10,
    doc={"zh": "教育背景", "en": "Education"},
)

HOSPITAL_LEVELS = ("", "grade3a", "grade3", "grade2a", "grade2", "grade1", "community", "township")

ROTATION = Section(
    "rotation", _l("Clinical rotations and internships"), "list",
    (
        Field("hospital", _l("Hospital or unit"), required=True),
        Field("hospital_level", _l("Hospital level"), "select", options=HOSPITAL_LEVELS),
        Field("department", _l("Department"), max_length=100,
              suggestions=("内科", "外科", "妇产科", "儿科", "急诊科", "重症医学科", "麻醉科", "影像科", "检验科", "药剂科", "护理部", "全科医学科")),
        Field("start", _l("From (year and month)"), "month", max_length=7, required=True),
        Field("end", _l("To (empty: until now)"), "month", max_length=7),
        Field("description", _l("What you did"), "textarea", max_length=DESCRIPTION),
    ),
    hint=_l("Say what you did and how much: cases managed, procedures performed, records written."),
    doc={"zh": "临床轮转与实习经历", "en": "Clinical rotations and internships"},
)

PRACTICE = Section(
    "practice", _l("Practice and volunteer work"), "list",
    (
        Field("organisation", _l("Organisation or activity"), required=True),
        Field("role", _l("Your role"), max_length=100),
        Field("start", _l("From (year and month)"), "month", max_length=7, required=True),
        Field("end", _l("To (empty: until now)"), "month", max_length=7),
        Field("description", _l("What you did"), "textarea", max_length=DESCRIPTION),
    ),
    doc={"zh": "社会实践与志愿服务", "en": "Practice and volunteer work"},
)

RESEARCH = Section(
    "research", _l("Research and publications"), "list",
    (
        Field("title", _l("Title"), required=True, max_length=300),
        Field("kind", _l("Kind"), "select", options=("", "paper", "project", "patent", "conference", "other")),
        Field("venue", _l("Journal, conference or funder"), max_length=200),
        Field("date", _l("Date (year and month)"), "month", max_length=7),
        Field("role", _l("Your role or author position"), max_length=100),
        Field("description", _l("Summary"), "textarea", max_length=DESCRIPTION),
    ),
    doc={"zh": "科研与论文", "en": "Research and publications"},
)

LICENCE = Section(
    "licence", _l("Licences and certificates"), "list",
    (
        Field("name", _l("Licence or certificate"), required=True,
              suggestions=("医师资格证书", "执业医师资格证书", "护士执业资格证书", "执业药师资格证书",
                           "大学英语四级（CET-4）", "大学英语六级（CET-6）", "全国计算机等级考试二级",
                           "普通话水平测试二级甲等", "基础生命支持（BLS）证书")),
        Field("date", _l("Obtained (year and month)"), "month", max_length=7),
        Field("detail", _l("Score, level or number"), max_length=100),
    ),
    doc={"zh": "资格证书", "en": "Licences and certificates"},
)

AWARD = Section(
    "award", _l("Awards and scholarships"), "list",
    (
        Field("name", _l("Award or scholarship"), required=True, max_length=200),
        Field("level", _l("Level"), "select", options=("", "national", "provincial", "municipal", "university", "college")),
        Field("date", _l("Date (year and month)"), "month", max_length=7),
        Field("detail", _l("Details"), max_length=200),
    ),
    doc={"zh": "荣誉奖励", "en": "Awards and scholarships"},
)

SKILL = Section(
    "skill", _l("Skills"), "list",
    (
        Field("name", _l("Skill"), required=True, max_length=100,
              suggestions=("病历书写", "心肺复苏", "静脉穿刺", "清创缝合", "心电图判读", "英语读写", "SPSS 统计分析", "办公软件")),
        Field("level", _l("Level"), max_length=50),
        Field("detail", _l("Details"), max_length=300),
    ),
    doc={"zh": "专业技能", "en": "Skills"},
)

SELF_EVALUATION = Section(
    "self_evaluation", _l("Self-evaluation"), "single",
    (Field("text", _l("Self-evaluation"), "textarea", max_length=DESCRIPTION),),
    doc={"zh": "自我评价", "en": "Profile"},
)

SECTIONS: dict[str, Section] = {
    s.key: s for s in (BASICS, INTENTION, EDUCATION, ROTATION, PRACTICE, RESEARCH, LICENCE, AWARD, SKILL, SELF_EVALUATION)
}
LIST_SECTIONS = tuple(key for key, s in SECTIONS.items() if s.kind == "list")
SINGLE_SECTIONS = tuple(key for key, s in SECTIONS.items() if s.kind == "single")

# The document's words for select options, in both languages.
OPTION_LABELS: dict[str, dict[str, str]] = {
    "female": {"zh": "女", "en": "Female"},
    "male": {"zh": "男", "en": "Male"},
    "party_member": {"zh": "中共党员", "en": "CPC member"},
    "probationary_member": {"zh": "中共预备党员", "en": "CPC probationary member"},
    "league_member": {"zh": "共青团员", "en": "CYL member"},
    "masses": {"zh": "群众", "en": "No party affiliation"},
    "establishment": {"zh": "编制内岗位", "en": "Established post"},
    "contract": {"zh": "合同制岗位", "en": "Contract post"},
    "residency": {"zh": "住院医师规范化培训", "en": "Standardized residency training"},
    "grassroots_programme": {"zh": "基层项目（特岗/三支一扶/西部计划）", "en": "Grassroots programme"},
    "any": {"zh": "不限", "en": "Open to any"},
    "junior_college": {"zh": "专科", "en": "Associate degree"},
    "bachelor": {"zh": "本科", "en": "Bachelor"},
    "master": {"zh": "硕士研究生", "en": "Master"},
    "doctor": {"zh": "博士研究生", "en": "Doctorate"},
    "grade3a": {"zh": "三级甲等", "en": "Grade III, Class A"},
    "grade3": {"zh": "三级", "en": "Grade III"},
    "grade2a": {"zh": "二级甲等", "en": "Grade II, Class A"},
    "grade2": {"zh": "二级", "en": "Grade II"},
    "grade1": {"zh": "一级", "en": "Grade I"},
    "community": {"zh": "社区卫生服务中心", "en": "Community health centre"},
    "township": {"zh": "乡镇卫生院", "en": "Township health centre"},
    "paper": {"zh": "论文", "en": "Paper"},
    "project": {"zh": "科研项目", "en": "Research project"},
    "patent": {"zh": "专利", "en": "Patent"},
    "conference": {"zh": "会议报告", "en": "Conference presentation"},
    "other": {"zh": "其他", "en": "Other"},
    "national": {"zh": "国家级", "en": "National"},
    "provincial": {"zh": "省级", "en": "Provincial"},
    "municipal": {"zh": "市级", "en": "Municipal"},
    "university": {"zh": "校级", "en": "University"},
    "college": {"zh": "院级", "en": "School"},
}

# The document's labels for basic information and job intention fields.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "gender": {"zh": "性别", "en": "Gender"},
    "birth_month": {"zh": "出生年月", "en": "Born"},
    "ethnicity": {"zh": "民族", "en": "Ethnicity"},
    "political_status": {"zh": "政治面貌", "en": "Political status"},
    "native_place": {"zh": "籍贯", "en": "Native place"},
    "phone": {"zh": "电话", "en": "Phone"},
    "email": {"zh": "邮箱", "en": "E-mail"},
    "city": {"zh": "现居", "en": "Location"},
    "homepage": {"zh": "主页", "en": "Web"},
    "position": {"zh": "意向岗位", "en": "Post"},
    "unit_type": {"zh": "意向单位", "en": "Unit"},
    "post_type": {"zh": "岗位性质", "en": "Kind of post"},
    "locations": {"zh": "意向地点", "en": "Location"},
    "available_from": {"zh": "到岗时间", "en": "Available from"},
    "salary": {"zh": "期望薪资", "en": "Expected salary"},
}

WORDS = {
    "present": {"zh": "至今", "en": "Present"},
    "resume": {"zh": "个人简历", "en": "Resume"},
    "page": {"zh": "第 {page} 页", "en": "Page {page}"},
}

BASIC_FACTS = ("gender", "birth_month", "ethnicity", "political_status", "native_place", "city")
CONTACT_FACTS = ("phone", "email", "homepage")


def word(key: str, language: str) -> str:
    return WORDS[key].get(language, WORDS[key]["en"])


def option_label(value: str | None, language: str) -> str:
    if not value:
        return ""
    labels = OPTION_LABELS.get(value)
    return labels.get(language, labels["en"]) if labels else value


def month_label(value: str | None, language: str) -> str:
    if not value:
        return ""
    return value.replace("-", ".")


def period(start: str | None, end: str | None, language: str) -> str:
    if not start and not end:
        return ""
    if start and not end:
        return f"{month_label(start, language)} – {word('present', language)}"
    if start == end or not start:
        return month_label(end, language)
    return f"{month_label(start, language)} – {month_label(end, language)}"


def safe_url(value: str | None) -> str:
    """The URL if it is a plain web address; '' for anything else (javascript:, data:, file:…)."""
    value = (value or "").strip()
    return value if re.match(r"^https?://[^\s<>\"']+$", value, re.IGNORECASE) else ""


@dataclass
class Entry:
    """One item as the document shows it."""

    id: int | None
    title: str
    subtitle: str = ""
    when: str = ""
    lines: list[str] = field(default_factory=list)  # plain text, one paragraph each


def lines_of(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def present(section: str, data: dict, language: str, item_id: int | None = None) -> Entry:
    """How an item of a list section reads in the document."""
    d = {k: (v or "") for k, v in data.items()}
    join = "，".join if language == "zh" else ", ".join
    sep = " · "
    if section == "education":
        sub = sep.join(x for x in (d.get("major", ""), option_label(d.get("degree"), language)) if x)
        lines = ([d["ranking"]] if d.get("ranking") else []) + lines_of(d.get("details"))
        return Entry(item_id, d.get("school", ""), sub, period(d.get("start"), d.get("end"), language), lines)
    if section == "rotation":
        level = option_label(d.get("hospital_level"), language)
        title = d.get("hospital", "") + (f"（{level}）" if level and language == "zh" else f" ({level})" if level else "")
        return Entry(item_id, title, d.get("department", ""), period(d.get("start"), d.get("end"), language),
                     lines_of(d.get("description")))
    if section == "practice":
        return Entry(item_id, d.get("organisation", ""), d.get("role", ""), period(d.get("start"), d.get("end"), language),
                     lines_of(d.get("description")))
    if section == "research":
        sub = sep.join(x for x in (option_label(d.get("kind"), language), d.get("venue", ""), d.get("role", "")) if x)
        return Entry(item_id, d.get("title", ""), sub, month_label(d.get("date"), language), lines_of(d.get("description")))
    if section == "licence":
        return Entry(item_id, d.get("name", ""), d.get("detail", ""), month_label(d.get("date"), language))
    if section == "award":
        sub = join(x for x in (option_label(d.get("level"), language), d.get("detail", "")) if x)
        return Entry(item_id, d.get("name", ""), sub, month_label(d.get("date"), language))
    if section == "skill":
        sub = join(x for x in (d.get("level", ""), d.get("detail", "")) if x)
        return Entry(item_id, d.get("name", ""), sub)
    raise KeyError(section)


def facts(values: dict, keys: tuple[str, ...], language: str) -> list[tuple[str, str, str]]:
    """(key, label, value) of the filled-in fields, as the document shows them."""
    out = []
    for key in keys:
        value = values.get(key) or ""
        if key in ("gender", "political_status", "post_type"):
            value = option_label(value, language)
        elif key in ("birth_month", "available_from"):
            value = month_label(value, language)
        elif key == "homepage":
            value = safe_url(value)
        if value:
            out.append((key, FIELD_LABELS[key].get(language, FIELD_LABELS[key]["en"]), value))
    return out


def anchor_label(section: str, data: dict, language: str) -> str:
    entry = present(section, data, language)
    return " · ".join(x for x in (entry.title, entry.subtitle) if x)[:200]
