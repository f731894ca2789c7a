"""The jobs feature's vocabularies: codes stored in the database, their labels, and tolerant parsing."""
from __future__ import annotations

from portal.i18n import lazy_gettext as _l

# Hospital levels, highest first. "" means the employer is not a graded hospital.
HOSPITAL_LEVELS = {
    "3a": _l("Tertiary grade A (三级甲等)"),
    "3b": _l("Tertiary grade B (三级乙等)"),
    "3": _l("Tertiary (三级)"),
    "2a": _l("Secondary grade A (二级甲等)"),
    "2b": _l("Secondary grade B (二级乙等)"),
    "2": _l("Secondary (二级)"),
    "1": _l("Primary (一级)"),
}
LEVEL_TIER = {"3a": 3, "3b": 3, "3": 3, "2a": 2, "2b": 2, "2": 2, "1": 1}

UNIT_NATURES = {
    "government": _l("Government body (机关)"),
    "public_health": _l("Public health institution (医疗卫生事业单位)"),
    "public_other": _l("Other public institution (其他事业单位)"),
    "state_enterprise": _l("State-owned enterprise (国有企业)"),
    "private_enterprise": _l("Private enterprise (民营企业)"),
    "foreign_enterprise": _l("Foreign-invested enterprise (外资企业)"),
    "private_hospital": _l("Private hospital (民营医院)"),
    "other": _l("Other"),
}

GRASSROOTS_TYPES = {
    "community_health_center": _l("Community health service centre (社区卫生服务中心)"),
    "township_health_center": _l("Township health centre (乡镇卫生院)"),
    "village_clinic": _l("Village clinic (村卫生室)"),
    "county_hospital": _l("County-level medical community (县域医共体)"),
}

POST_TYPES = {
    "establishment": _l("Established post (编制)"),
    "contract": _l("Contract (合同制)"),
    "dispatch": _l("Agency dispatch (劳务派遣)"),
    "residency": _l("Standardised residency training (规培)"),
    "special_teacher": _l("Special-post programme (特岗计划)"),
    "three_supports": _l("Three supports and one assistance (三支一扶)"),
    "western": _l("Western China volunteer programme (西部计划)"),
    "other": _l("Other"),
}
# programmes that send graduates to grassroots units
PROGRAMME_POST_TYPES = {"special_teacher", "three_supports", "western"}

DEGREES = {"bachelor": _l("Bachelor"), "master": _l("Master"), "doctor": _l("Doctorate")}
DEGREE_RANK = {"bachelor": 1, "master": 2, "doctor": 3}

LICENCES = {
    "physician": _l("Medical practitioner licence (执业医师资格)"),
    "assistant_physician": _l("Assistant practitioner licence (执业助理医师资格)"),
    "nurse": _l("Nurse licence (护士执业资格)"),
    "pharmacist": _l("Licensed pharmacist (执业药师)"),
    "technician": _l("Health technician qualification (卫生专业技术资格)"),
}

EMERGING_FIELDS = {
    "internet_medicine": _l("Internet hospitals and telemedicine (互联网医疗)"),
    "health_management": _l("Health management (健康管理)"),
    "elderly_care": _l("Integrated medical and elderly care (医养结合)"),
    "rehabilitation": _l("Rehabilitation (康复)"),
    "clinical_research": _l("Clinical research coordination (临床研究/CRC)"),
    "medical_devices": _l("Medical devices (医疗器械)"),
    "medical_ai": _l("Medical informatics and AI (医学信息与人工智能)"),
    "third_party_lab": _l("Independent clinical laboratories (第三方医学检验)"),
}

STATUSES = {"draft": _l("Draft"), "published": _l("Published"), "closed": _l("Closed")}

APPLICATION_STAGES = {
    "submitted": _l("Submitted"),
    "written_test": _l("Written test"),
    "interview": _l("Interview"),
    "offer": _l("Offer"),
    "signed": _l("Signed"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
# the forward path; rejected and withdrawn end an application from any open stage
STAGE_ORDER = {"submitted": 0, "written_test": 1, "interview": 2, "offer": 3, "signed": 4}
FINAL_STAGES = {"signed", "rejected", "withdrawn"}

DISMISS_REASONS = {
    "region": _l("Region"),
    "pay": _l("Pay"),
    "post_type": _l("Post type"),
    "hospital_level": _l("Hospital level"),
    "not_my_field": _l("Not my field"),
    "other": _l("Other"),
}

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")

# Chinese (and English) spellings accepted in imports and in students' intentions
_ALIASES: dict[str, dict[str, str]] = {
    "hospital_level": {
        "三级甲等": "3a", "三甲": "3a", "三级乙等": "3b", "三乙": "3b", "三级": "3",
        "二级甲等": "2a", "二甲": "2a", "二级乙等": "2b", "二乙": "2b", "二级": "2", "一级": "1",
        "无": "", "none": "", "": "",
    },
    "unit_nature": {
        "机关": "government", "医疗卫生事业单位": "public_health", "事业单位": "public_other",
        "其他事业单位": "public_other", "国有企业": "state_enterprise", "国企": "state_enterprise",
        "民营企业": "private_enterprise", "私营企业": "private_enterprise", "外资企业": "foreign_enterprise",
        "民营医院": "private_hospital", "其他": "other",
    },
    "grassroots_type": {
        "社区卫生服务中心": "community_health_center", "社区": "community_health_center",
        "乡镇卫生院": "township_health_center", "卫生院": "township_health_center",
        "村卫生室": "village_clinic", "县域医共体": "county_hospital", "医共体": "county_hospital",
        "无": "", "否": "", "": "",
    },
    "post_type": {
        "编制": "establishment", "事业编制": "establishment", "合同制": "contract", "合同": "contract",
        "劳务派遣": "dispatch", "派遣": "dispatch", "规培": "residency", "住院医师规范化培训": "residency",
        "特岗": "special_teacher", "特岗计划": "special_teacher", "三支一扶": "three_supports",
        "西部计划": "western", "其他": "other",
    },
    "min_degree": {"本科": "bachelor", "硕士": "master", "硕士研究生": "master", "博士": "doctor", "博士研究生": "doctor"},
    "licence": {
        "执业医师": "physician", "执业医师资格": "physician", "执业助理医师": "assistant_physician",
        "执业助理医师资格": "assistant_physician", "护士执业资格": "nurse", "护士": "nurse",
        "执业药师": "pharmacist", "卫生专业技术资格": "technician", "无": "", "不限": "", "": "",
    },
    "emerging_field": {
        "互联网医疗": "internet_medicine", "健康管理": "health_management", "医养结合": "elderly_care",
        "康复": "rehabilitation", "临床研究": "clinical_research", "CRC": "clinical_research",
        "医疗器械": "medical_devices", "医学人工智能": "medical_ai", "医学信息": "medical_ai",
        "第三方医学检验": "third_party_lab", "无": "", "否": "", "": "",
    },
    "status": {"草稿": "draft", "发布": "published", "已发布": "published", "关闭": "closed", "已关闭": "closed"},
}
_VOCABS = {
    "hospital_level": HOSPITAL_LEVELS, "unit_nature": UNIT_NATURES, "grassroots_type": GRASSROOTS_TYPES,
    "post_type": POST_TYPES, "min_degree": DEGREES, "licence": LICENCES, "emerging_field": EMERGING_FIELDS,
    "status": STATUSES,
}


def parse_code(kind: str, value) -> str | None:
    """A stored code from a code, a Chinese spelling or an English label; None when unknown."""
    text = ("" if value is None else str(value)).strip()
    vocab = _VOCABS[kind]
    if text in vocab:
        return text
    if text.lower() in vocab:
        return text.lower()
    alias = _ALIASES.get(kind, {})
    if text in alias:
        return alias[text]
    for code, label in vocab.items():
        if text and (text == str(label) or f"({text})" in str(label) or text.lower() == str(label).lower()):
            return code
    return "" if text == "" and kind in ("hospital_level", "grassroots_type", "licence", "emerging_field") else None


def province(value) -> str | None:
    """A province's short name (河南) from 河南省, 广西壮族自治区…; None when it is not a province."""
    text = ("" if value is None else str(value)).strip()
    if text in PROVINCES:
        return text
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in PROVINCES:
            return text[: -len(suffix)]
    return None


def label(vocab: dict, code) -> str:
    return str(vocab.get(code, code or ""))
