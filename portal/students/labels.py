"""The students feature's vocabulary: stored codes and their translated labels, in display order."""
from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.students.models import (
    AssignmentKind,
    Channel,
    ClaimSource,
    ClaimStatus,
    HardshipCategory,
    HardshipLevel,
    InterventionType,
    Priority,
    Standing,
    Visibility,
)

CATEGORIES = {
    HardshipCategory.POVERTY_ALLEVIATED: _l("Family lifted out of poverty (formerly registered as poor)"),
    HardshipCategory.LOW_INCOME_GUARANTEE: _l("Urban or rural minimum living allowance (dibao)"),
    HardshipCategory.ZERO_EMPLOYMENT_FAMILY: _l("Zero-employment family"),
    HardshipCategory.DISABLED: _l("Disability"),
    HardshipCategory.ORPHAN: _l("Orphan or without de facto guardian"),
    HardshipCategory.EXTREME_POVERTY_SUPPORT: _l("Extreme-poverty support"),
    HardshipCategory.LOW_INCOME_FAMILY: _l("Low-income family"),
    HardshipCategory.FINANCIAL_HARDSHIP: _l("Family financial hardship"),
    HardshipCategory.OTHER: _l("Other circumstances"),
}
# short forms for tables and chips
CATEGORY_SHORT = {
    HardshipCategory.POVERTY_ALLEVIATED: _l("Lifted out of poverty"),
    HardshipCategory.LOW_INCOME_GUARANTEE: _l("Dibao"),
    HardshipCategory.ZERO_EMPLOYMENT_FAMILY: _l("Zero-employment family"),
    HardshipCategory.DISABLED: _l("Disability"),
    HardshipCategory.ORPHAN: _l("Orphan"),
    HardshipCategory.EXTREME_POVERTY_SUPPORT: _l("Extreme-poverty support"),
    HardshipCategory.LOW_INCOME_FAMILY: _l("Low-income family"),
    HardshipCategory.FINANCIAL_HARDSHIP: _l("Financial hardship"),
    HardshipCategory.OTHER: _l("Other"),
}
LEVELS = {
    HardshipLevel.SPECIAL: _l("Special hardship"),
    HardshipLevel.HARDSHIP: _l("Hardship"),
    HardshipLevel.GENERAL: _l("General hardship"),
}
SOURCES = {
    ClaimSource.SELF_DECLARED: _l("Told us themselves"),
    ClaimSource.GOVERNMENT_LIST: _l("Government or certification list"),
    ClaimSource.COUNSELOR: _l("Identified by a counselor"),
    ClaimSource.DATA_SIGNAL: _l("Data signal"),
}
STATUSES = {
    ClaimStatus.PENDING: _l("Waiting for verification"),
    ClaimStatus.VERIFIED: _l("Verified"),
    ClaimStatus.NEEDS_MORE: _l("Needs more information"),
    ClaimStatus.REJECTED: _l("Not confirmed"),
}
DECISIONS = {
    ClaimStatus.VERIFIED: _l("Verified"),
    ClaimStatus.NEEDS_MORE: _l("Needs more information"),
    ClaimStatus.REJECTED: _l("Not confirmed"),
}
# what the student reads about their own request: plain, never judging
STUDENT_STATUSES = {
    ClaimStatus.PENDING: _l("Received; your mentor will talk with you"),
    ClaimStatus.VERIFIED: _l("Confirmed; support is arranged"),
    ClaimStatus.NEEDS_MORE: _l("Your mentor would like to talk with you"),
    ClaimStatus.REJECTED: _l("Reviewed; talk with your mentor about other help"),
}
INTERVENTION_TYPES = {
    InterventionType.TALK: _l("Talk"),
    InterventionType.PHONE_INTERVIEW: _l("Phone interview"),
    InterventionType.HOME_VISIT: _l("Home visit"),
    InterventionType.RESUME_COACHING: _l("Resume coaching"),
    InterventionType.MOCK_INTERVIEW: _l("Mock interview"),
    InterventionType.CAREER_COUNSELING: _l("Career counseling"),
    InterventionType.PSYCHOLOGICAL_COUNSELING: _l("Psychological counseling"),
    InterventionType.JOB_REFERRAL: _l("Job referral"),
    InterventionType.SKILLS_TRAINING_REFERRAL: _l("Skills-training referral"),
    InterventionType.FINANCIAL_HELP: _l("Subsidy or financial help"),
    InterventionType.OTHER: _l("Other support"),
}
CHANNELS = {
    Channel.IN_PERSON: _l("In person"),
    Channel.PHONE: _l("Phone"),
    Channel.ONLINE: _l("Online meeting"),
    Channel.HOME_VISIT: _l("Home visit"),
    Channel.MESSAGE: _l("Message"),
}
VISIBILITIES = {
    Visibility.PRIVATE: _l("Private: only me"),
    Visibility.MENTORS: _l("The student's mentors and the office"),
    Visibility.STUDENT: _l("Also the student"),
}
ASSIGNMENT_KINDS = {
    AssignmentKind.PRIMARY: _l("Primary mentor"),
    AssignmentKind.PSYCHOLOGICAL: _l("Psychological counselor"),
    AssignmentKind.CLASS_COUNSELOR: _l("Class counselor"),
    AssignmentKind.OTHER: _l("Other mentor"),
}
PRIORITIES = {
    Priority.HIGH: _l("High"),
    Priority.NORMAL: _l("Normal"),
    Priority.LOW: _l("Low"),
}
STANDINGS = {
    Standing.GOOD: _l("Good standing"),
    Standing.WARNING: _l("Academic warning"),
    Standing.PROBATION: _l("Academic probation"),
}
GENDERS = {"female": _l("Female"), "male": _l("Male")}
ORIGINS = {"urban": _l("Urban"), "rural": _l("Rural")}
DEGREES = {"bachelor": _l("Bachelor"), "master": _l("Master"), "doctor": _l("Doctorate")}

# job-search intentions
PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
    "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
]
HOSPITAL_LEVELS = {
    "tertiary_a": _l("Tertiary grade A (三级甲等)"),
    "tertiary_b": _l("Tertiary grade B (三级乙等)"),
    "tertiary_c": _l("Tertiary grade C (三级丙等)"),
    "secondary_a": _l("Secondary grade A (二级甲等)"),
    "secondary_b": _l("Secondary grade B (二级乙等)"),
    "secondary_c": _l("Secondary grade C (二级丙等)"),
    "primary": _l("Primary hospital (一级医院)"),
    "grassroots": _l("Grassroots: community health centre, township hospital, village clinic (基层)"),
}
POST_TYPES = {
    "bianzhi": _l("Established post (编制)"),
    "contract": _l("Contract post (合同制)"),
    "dispatch": _l("Agency placement (劳务派遣)"),
    "residency": _l("Standardised residency training (规培)"),
    "special_post": _l("Special-post teacher or doctor scheme (特岗)"),
    "three_supports": _l("Three Supports and One Assistance (三支一扶)"),
    "western": _l("College Graduates Serving the West (西部计划)"),
}
GRASSROOTS = {
    "yes": _l("Yes, I would work at the grassroots"),
    "maybe": _l("Perhaps, depending on the post"),
    "no": _l("Not for now"),
}
FURTHER_STUDY = {
    "none": _l("No, I am looking for work"),
    "domestic": _l("Postgraduate study in China (考研/考博)"),
    "abroad": _l("Study abroad"),
}

# profile fields as the archive names them
FIELDS = {
    "display_name": _l("Full name"),
    "gender": _l("Gender"),
    "college": _l("College"),
    "major": _l("Major"),
    "degree_level": _l("Degree"),
    "cohort": _l("Year of entry"),
    "graduation_year": _l("Graduation year"),
    "class_name": _l("Class"),
    "home_province": _l("Home province"),
    "origin": _l("Urban or rural origin"),
    "phone": _l("Mobile phone"),
    "email": _l("E-mail"),
    "academic_standing": _l("Academic standing"),
    "priority": _l("Support priority"),
    "national_id": _l("National ID number"),
    "intended_regions": _l("Regions"),
    "intended_hospital_levels": _l("Hospital levels"),
    "intended_post_types": _l("Post types"),
    "grassroots_openness": _l("Open to grassroots posts"),
    "further_study": _l("Further study"),
    "standardized_training": _l("Standardised residency training (规培)"),
    "intentions_note": _l("Anything else about your job search"),
}
# fields that are the office's working notes, not facts about the student; the student's archive leaves them out
INTERNAL_FIELDS = frozenset({"priority"})

ALL = {
    "categories": CATEGORIES,
    "category_short": CATEGORY_SHORT,
    "levels": LEVELS,
    "sources": SOURCES,
    "statuses": STATUSES,
    "decisions": DECISIONS,
    "student_statuses": STUDENT_STATUSES,
    "intervention_types": INTERVENTION_TYPES,
    "channels": CHANNELS,
    "visibilities": VISIBILITIES,
    "assignment_kinds": ASSIGNMENT_KINDS,
    "priorities": PRIORITIES,
    "standings": STANDINGS,
    "genders": GENDERS,
    "origins": ORIGINS,
    "degrees": DEGREES,
    "hospital_levels": HOSPITAL_LEVELS,
    "post_types": POST_TYPES,
    "grassroots": GRASSROOTS,
    "further_study": FURTHER_STUDY,
    "fields": FIELDS,
}


def label(mapping: dict, value) -> str:
    """The translated label of a stored code; the code itself if it is unknown (never an error)."""
    if value is None or value == "":
        return ""
    found = mapping.get(value)
    return str(found) if found is not None else str(value)


def category_label(category: str, level: str | None = None, *, short: bool = False) -> str:
    text = label(CATEGORY_SHORT if short else CATEGORIES, category)
    if level:
        text += " · " + label(LEVELS, level)
    return text


class Labeller:
    """label() and category_label() for the rows of one response: each label translated once, however
    many rows show it. `locale` names the language the labels are in (the request's)."""

    def __init__(self, locale: str | None = None):
        self.locale = locale
        self._known: dict[tuple, str] = {}

    def label(self, mapping: dict, value) -> str:
        key = (id(mapping), value)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = label(mapping, value)
        return text

    def category_label(self, category: str, level: str | None = None, short: bool = False) -> str:
        key = ("category", category, level, short)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = category_label(category, level, short=short)
        return text
