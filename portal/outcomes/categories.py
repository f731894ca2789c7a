"""The vocabularies of a graduate's destination: the Ministry's categories and codes, unit nature,
industry, hospital level, post type, relation to major and salary band."""
from __future__ import annotations

from dataclasses import dataclass

from portal.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Category:
    key: str
    code: str  # the Ministry of Education's 毕业去向代码 (MedPath's own for 规培, see below)
    label: object
    group: str  # the Ministry's four groups: contract, flexible, study, unplaced
    nace: str  # employed / service / study / seeking / not_seeking: the NACE outcome it maps to


# The Ministry of Education's graduate-destination categories (毕业去向), with the codes of the
# national registration system. Check them against each year's statistics notice: the import
# accepts a code or a name, so a renamed code only needs this table changed.
CATEGORIES: tuple[Category, ...] = (
    Category("agreement", "10", _l("Employment by employment agreement"), "contract", "employed"),  # 签就业协议形式就业
    Category("labour_contract", "11", _l("Employment by labour contract"), "contract", "employed"),  # 签劳动合同形式就业
    Category("research_assistant", "46", _l("Research or management assistant"), "contract", "employed"),  # 科研助理、管理助理
    Category("military", "27", _l("Military service"), "contract", "service"),  # 应征义务兵
    Category("national_grassroots", "50", _l("National grassroots project"), "contract", "service"),  # 国家基层项目
    Category("local_grassroots", "51", _l("Local grassroots project"), "contract", "service"),  # 地方基层项目
    Category("other_employment", "12", _l("Other forms of employment"), "flexible", "employed"),  # 其他录用形式就业
    Category("self_employed", "75", _l("Self-employment"), "flexible", "employed"),  # 自主创业
    Category("freelance", "76", _l("Freelance work"), "flexible", "employed"),  # 自由职业
    # 住院医师规范化培训 has no category of its own in the Ministry's list: offices register it as
    # employment (by default "other forms of employment", code 12; setting outcomes.residency_code).
    # MedPath keeps it apart so that the medical picture stays visible; whether it counts towards
    # the destination rate is the setting outcomes.placed_categories (it does by default).
    Category("residency", "R", _l("Standardised residency training"), "flexible", "employed"),  # 规培
    Category("domestic_study", "80", _l("Further study in China"), "study", "study"),  # 境内升学
    Category("study_abroad", "85", _l("Study abroad"), "study", "study"),  # 境外留学
    Category("awaiting", "70", _l("Not yet employed"), "unplaced", "seeking"),  # 待就业
    Category("not_seeking_study", "71", _l("Not seeking work: preparing for further study"), "unplaced", "not_seeking"),  # 不就业拟升学
    Category("not_seeking_other", "72", _l("Not seeking work for now: other reasons"), "unplaced", "not_seeking"),  # 其他暂不就业
)
BY_KEY: dict[str, Category] = {c.key: c for c in CATEGORIES}
CATEGORY_KEYS = tuple(c.key for c in CATEGORIES)

GROUP_LABELS = {
    "contract": _l("Employment by agreement or contract"),  # 协议和合同就业
    "flexible": _l("Flexible employment"),  # 灵活就业
    "study": _l("Further study"),  # 升学
    "unplaced": _l("Not employed"),  # 未就业
}

# The Ministry's destination rate (毕业去向落实率): everyone employed in any form or studying,
# over all graduates; "not yet employed" and "not seeking work" do not count.
MINISTRY_PLACED = tuple(c.key for c in CATEGORIES if c.group != "unplaced")
# NACE's career-outcomes rate: employed, in service (military, volunteer or service programmes)
# or continuing education, over graduates whose outcome is known.
NACE_POSITIVE = tuple(c.key for c in CATEGORIES if c.nace in {"employed", "service", "study"})
EMPLOYED = tuple(c.key for c in CATEGORIES if c.nace in {"employed", "service"})
STUDY = ("domestic_study", "study_abroad")

# 单位性质, after the Ministry's unit-nature codes
UNIT_NATURES = (
    ("government", _l("Government agency")),  # 机关
    ("healthcare", _l("Medical and health institution")),  # 医疗卫生单位
    ("research", _l("Research institute")),  # 科研设计单位
    ("higher_education", _l("Higher education institution")),  # 高等教育单位
    ("school", _l("Primary or secondary school")),  # 中初教育单位
    ("other_public", _l("Other public institution")),  # 其他事业单位
    ("state_enterprise", _l("State-owned enterprise")),  # 国有企业
    ("foreign_enterprise", _l("Foreign-invested enterprise")),  # 三资企业
    ("private_enterprise", _l("Private enterprise")),  # 民营企业 / 其他企业
    ("military_unit", _l("Armed forces")),  # 部队
    ("village", _l("Village or urban community")),  # 农村建制村 / 城镇社区
    ("other", _l("Other")),
)

# GB/T 4754-2017 industry sections (门类)
INDUSTRIES = (
    ("Q", _l("Health and social work")),  # 卫生和社会工作
    ("P", _l("Education")),
    ("M", _l("Scientific research and technical services")),
    ("S", _l("Public administration and social organisations")),
    ("C", _l("Manufacturing (incl. pharmaceuticals)")),
    ("F", _l("Wholesale and retail (incl. pharmaceutical distribution)")),
    ("I", _l("Information technology")),
    ("J", _l("Finance")),
    ("L", _l("Leasing and business services")),
    ("O", _l("Resident and other services")),
    ("R", _l("Culture, sports and entertainment")),
    ("A", _l("Agriculture")),
    ("X", _l("Other industries")),
)

# 医院等级
HOSPITAL_LEVELS = (
    ("3a", _l("Grade III-A hospital")),  # 三级甲等
    ("3b", _l("Grade III-B hospital")),  # 三级乙等
    ("3", _l("Other grade III hospital")),  # 三级(其他)
    ("2a", _l("Grade II-A hospital")),  # 二级甲等
    ("2", _l("Other grade II hospital")),  # 二级(其他)
    ("1", _l("Grade I hospital")),  # 一级
    ("community", _l("Community health centre")),  # 社区卫生服务中心(站), 基层
    ("township", _l("Township health centre")),  # 乡镇卫生院, 基层
    ("village", _l("Village clinic")),  # 村卫生室, 基层
    ("ungraded", _l("Ungraded medical institution")),  # 未定级
)
GRASSROOTS_LEVELS = frozenset({"community", "township", "village"})

# 岗位性质
POST_TYPES = (
    ("established", _l("Established post (bianzhi)")),  # 编制
    ("contract", _l("Contract post")),  # 合同制
    ("dispatch", _l("Agency dispatch")),  # 劳务派遣
    ("residency", _l("Residency trainee")),  # 规培
    ("project", _l("Special post or project (teaching posts, Three Supports, Western Plan)")),  # 特岗/三支一扶/西部计划
)

# 专业相关度
RELATIONS = (
    ("close", _l("Closely related to the major")),
    ("related", _l("Related to the major")),
    ("unrelated", _l("Not related to the major")),
)

# monthly salary before tax, yuan
SALARY_BANDS = (
    ("lt3000", _l("Under 3,000")),
    ("3000", _l("3,000–4,999")),
    ("5000", _l("5,000–6,999")),
    ("7000", _l("7,000–9,999")),
    ("10000", _l("10,000 or more")),
)

REGIONS = (
    ("grassroots", _l("Grassroots post")),
    ("home", _l("Home province")),
    ("other", _l("Another province")),
    ("abroad", _l("Abroad")),
    ("unknown", _l("Place not recorded")),
)

SOURCES = (
    ("student", _l("Reported by the student")),
    ("mentor", _l("Recorded by a mentor")),
    ("office", _l("Recorded by the employment office")),
    ("follow_up", _l("Recorded at a follow-up")),
    ("import", _l("Imported")),
)

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)


def label_map(pairs) -> dict[str, object]:
    return {key: label for key, label in pairs}


UNIT_NATURE_LABELS = label_map(UNIT_NATURES)
INDUSTRY_LABELS = label_map(INDUSTRIES)
HOSPITAL_LEVEL_LABELS = label_map(HOSPITAL_LEVELS)
POST_TYPE_LABELS = label_map(POST_TYPES)
RELATION_LABELS = label_map(RELATIONS)
SALARY_LABELS = label_map(SALARY_BANDS)
REGION_LABELS = label_map(REGIONS)
SOURCE_LABELS = label_map(SOURCES)
CATEGORY_LABELS = {c.key: c.label for c in CATEGORIES}


def category_label(key: str | None) -> str:
    category = BY_KEY.get(key or "")
    return str(category.label) if category else (key or "")


# The official Chinese names, which spreadsheets from the Ministry's system and from colleges use:
# the import recognises them (as well as codes, keys and the labels in either language).
CATEGORY_ZH = {
    "agreement": "签就业协议形式就业", "labour_contract": "签劳动合同形式就业", "research_assistant": "科研助理、管理助理",
    "military": "应征义务兵", "national_grassroots": "国家基层项目", "local_grassroots": "地方基层项目",
    "other_employment": "其他录用形式就业", "self_employed": "自主创业", "freelance": "自由职业",
    "residency": "住院医师规范化培训", "domestic_study": "境内升学", "study_abroad": "境外留学",
    "awaiting": "待就业", "not_seeking_study": "不就业拟升学", "not_seeking_other": "其他暂不就业",
}
ZH_NAMES = {
    "category": CATEGORY_ZH,
    "unit_nature": {
        "government": "机关", "healthcare": "医疗卫生单位", "research": "科研设计单位", "higher_education": "高等教育单位",
        "school": "中初教育单位", "other_public": "其他事业单位", "state_enterprise": "国有企业",
        "foreign_enterprise": "三资企业", "private_enterprise": "民营企业", "military_unit": "部队",
        "village": "城乡基层组织", "other": "其他",
    },
    "industry": {
        "Q": "卫生和社会工作", "P": "教育", "M": "科学研究和技术服务业", "S": "公共管理、社会保障和社会组织",
        "C": "制造业", "F": "批发和零售业", "I": "信息传输、软件和信息技术服务业", "J": "金融业",
        "L": "租赁和商务服务业", "O": "居民服务、修理和其他服务业", "R": "文化、体育和娱乐业", "A": "农、林、牧、渔业",
        "X": "其他行业",
    },
    "hospital_level": {
        "3a": "三级甲等", "3b": "三级乙等", "3": "三级医院", "2a": "二级甲等", "2": "二级医院", "1": "一级医院",
        "community": "社区卫生服务中心", "township": "乡镇卫生院", "village": "村卫生室", "ungraded": "未定级",
    },
    "post_type": {"established": "编制", "contract": "合同制", "dispatch": "劳务派遣", "residency": "规培",
                  "project": "特岗/三支一扶/西部计划"},
    "relation_to_major": {"close": "很相关", "related": "相关", "unrelated": "不相关"},
    "salary_band": {"lt3000": "3000元以下", "3000": "3000-4999元", "5000": "5000-6999元", "7000": "7000-9999元",
                    "10000": "10000元及以上"},
}
