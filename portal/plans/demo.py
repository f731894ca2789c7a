"""Demo data of the plans feature: the default questionnaire, two rounds of answers, interest results,
support plans with goals in every state, subsidy applications, student loans and help given."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from portal import settings
from portal.extensions import db
from portal.plans import defaults, riasec
from portal.plans.questionnaires import ensure_default_questionnaire
from portal.plans.rules import rule_matches
from portal.plans.services import in_ledger
from portal.plans.models import (
    SUBSIDY_STEPS,
    HelpGiven,
    InterestResult,
    PlanEvent,
    PlanGoal,
    PlanRule,
    QuestionnaireResponse,
    QuestionnaireRound,
    StudentLoan,
    SubsidyApplication,
    SubsidyStep,
    SupportPlan,
)
from portal.students.models import (
    ClaimStatus,
    HardshipClaim,
    Intervention,
    MentorAssignment,
    Student,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
HELP_NOTES = {
    "travel": ["赴外省参加医院招聘面试的往返车票", "参加规培招录面试的交通和住宿", "赴县医院面试的路费"],
    "printing": ["免费打印简历和证书复印件", "打印执业资格考试报名材料"],
    "clothing": ["借用面试正装一套", "面试服装补助"],
    "other": ["体检费用补助"],
}
OTHER_NOTES = [
    "家里父亲身体不好，希望能回省内工作，离家近一些。",
    "最近复习规培考试压力有点大，晚上睡不好。",
    "想了解一下三支一扶的报名时间。",
    "希望导师帮忙看看简历，投了几家医院都没有回音。",
    "对基层岗位有兴趣，但担心以后的发展。",
]
REVIEW_NOTES = [
    "模拟面试进步明显，下一步重点准备规培招录面试。",
    "简历已修改完成，已投递三家县级医院。",
    "情绪比上次稳定，继续每两周联系一次。",
    "已提交求职补贴申请，路费支持已落实。",
]


def _local_noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=SHANGHAI).astimezone(timezone.utc)


def _rounds_for(today: date) -> list[tuple[str, str, str, date, date]]:
    """The previous and the current survey round around today: spring (Mar–Jun) and autumn (Sep–Dec)."""
    def season_start(day: date) -> date:
        if day.month >= 9:
            return date(day.year, 9, 1)
        if day.month >= 3:
            return date(day.year, 3, 1)
        return date(day.year - 1, 9, 1)

    def describe(start: date, closes: date):
        if start.month == 9:
            return (f"{start.year}-autumn", f"{start.year}年秋季求职需求调研", f"Autumn {start.year} survey", start, closes)
        return (f"{start.year}-spring", f"{start.year}年春季求职需求调研", f"Spring {start.year} survey", start, closes)

    current = season_start(today)
    previous = season_start(current - timedelta(days=1))
    current_close = max(date(current.year, 12, 31) if current.month == 9 else date(current.year, 6, 30),
                        today + timedelta(days=21))
    previous_close = date(previous.year, 12, 31) if previous.month == 9 else date(previous.year, 6, 30)
    return [describe(previous, previous_close), describe(current, current_close)]


def _ensure_ledger(ctx) -> None:
    """Without the ledger's own demo data (this feature seeded alone), put a quarter of the class in it."""
    if db.session.scalar(select(HardshipClaim.id).where(HardshipClaim.status == ClaimStatus.VERIFIED).limit(1)):
        return
    rng = ctx.rng
    categories = ["low_income_guarantee", "poverty_alleviated", "financial_hardship", "disabled",
                  "extreme_poverty_support", "orphan", "zero_employment_family", "low_income_family"]
    weights = [20, 34, 30, 4, 3, 2, 4, 3]
    rows = []
    for index, student_id in enumerate(ctx.student_ids):
        if index == 0 or rng.random() < 0.25:
            category = "poverty_alleviated" if index == 0 else rng.choices(categories, weights=weights)[0]
            rows.append(dict(student_id=student_id, category=category, source="government_list",
                             level="special" if category == "financial_hardship" else None,
                             status=ClaimStatus.VERIFIED, created_at=ctx.now, updated_at=ctx.now))
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(HardshipClaim), rows[start:start + 2000])
    if not db.session.scalar(select(MentorAssignment.id).limit(1)) and ctx.mentor_ids:
        assignments = [dict(student_id=row["student_id"], mentor_id=ctx.mentor_ids[i % len(ctx.mentor_ids)],
                            kind="primary", created_at=ctx.now) for i, row in enumerate(rows)]
        for start in range(0, len(assignments), 2000):
            db.session.execute(insert(MentorAssignment), assignments[start:start + 2000])
    db.session.flush()


def _answers(rng, profile: dict, student: dict, later: bool) -> dict:
    """One student's answers; the later round shows the change support brings (more confidence, less worry)."""
    def clamp(value: float) -> int:
        return max(1, min(5, round(value)))

    lift = 1 if later and profile["helped"] else 0
    answers = {
        "barrier_money": clamp(profile["money"] + rng.choice([-1, 0, 0, 0])),
        "barrier_skills": clamp(profile["skills"] + lift * rng.choice([0, 1])),
        "barrier_confidence": clamp(profile["confidence"] + lift),
        "barrier_anxiety": clamp(profile["anxiety"] - lift),
        "barrier_information": clamp(profile["information"] + (1 if later else 0)),
        "grassroots_attitude": profile["grassroots"] if not (later and profile["grassroots"] == "unknown")
        else rng.choice(["yes", "maybe"]),
        "skill_gaps": sorted(profile["gaps"] if not later else
                             [g for g in profile["gaps"] if not (profile["helped"] and g == "resume")] or ["interview"]),
        "intended_path": profile["path"] if not (later and profile["path"] == "undecided") else rng.choice(["job", "guipei"]),
        "intended_units": profile["units"],
        "interest_major_fit": clamp(profile["fit"]),
        "help_wanted": profile["help"],
    }
    if profile["money"] >= 3:
        answers["barrier_costs"] = profile["costs"]
    if rng.random() < 0.8:
        answers["barrier_family"] = profile["family"]
        answers["barrier_family_pressure"] = clamp(profile["pressure"])
    if rng.random() < 0.7:
        answers["english_level"] = profile["english"]
    if rng.random() < 0.6:
        answers["preferred_region"] = f"{student['home_province']}省内" if rng.random() < 0.6 else "省会城市或地级市"
    if rng.random() < 0.15:
        answers["help_other"] = rng.choice(OTHER_NOTES)
    # keep the option order of the questionnaire for multiple choices
    order = {key: [o["key"] for o in options] for key, _s, _k, _zh, _en, options, _r, _x in defaults.QUESTIONS}
    for key in ("skill_gaps", "intended_units", "help_wanted", "barrier_costs"):
        if key in answers:
            answers[key] = [k for k in order[key] if k in answers[key]]
    return answers


def _profile(rng) -> dict:
    gaps = rng.sample(["clinical", "interview", "resume", "exam_guipei", "exam_bianzhi", "licence", "english", "computer"],
                      k=rng.choice([1, 2, 2, 3]))
    return dict(
        money=rng.choices([1, 2, 3, 4, 5], weights=[8, 15, 27, 30, 20])[0],
        skills=rng.choice([2, 3, 3, 4]),
        confidence=rng.choices([1, 2, 3, 4, 5], weights=[10, 25, 35, 22, 8])[0],
        anxiety=rng.choices([1, 2, 3, 4, 5], weights=[10, 25, 30, 25, 10])[0],
        information=rng.choice([1, 2, 2, 3, 4]),
        grassroots=rng.choices(["yes", "maybe", "no", "unknown"], weights=[30, 40, 15, 15])[0],
        gaps=gaps,
        path=rng.choices(["job", "guipei", "postgraduate", "public_post", "grassroots_programme", "undecided"],
                         weights=[30, 25, 15, 12, 8, 10])[0],
        units=rng.sample(["tertiary_hospital", "secondary_hospital", "grassroots_unit", "cdc", "industry", "private_hospital"],
                         k=rng.choice([1, 2, 3])),
        fit=rng.choice([2, 3, 4, 4, 5]),
        help=rng.sample(["resume_coaching", "mock_interview", "career_counseling", "psych_counseling", "skills_training",
                         "job_info", "internship", "money", "alumni"], k=rng.choice([2, 3, 4])),
        costs=rng.sample(["travel", "lodging", "printing", "clothing", "exam_fees"], k=rng.choice([1, 2, 3])),
        family=rng.choice(["near_home", "big_hospital", "stable", "earn_soon", "my_choice"]),
        pressure=rng.choice([1, 2, 3, 4, 5]),
        english=rng.choice(["none", "cet4", "cet4", "cet6", "higher"]),
        helped=rng.random() < 0.7,
    )


def _inventory_answers(rng) -> dict[str, int]:
    # medical students lean to Investigative and Social interests; each student has their own tilt
    means = {"R": 2.6, "I": 3.5, "A": 2.5, "S": 3.4, "E": 2.4, "C": 2.6}
    tilt = {letter: rng.uniform(-1.0, 1.0) for letter in riasec.LETTERS}
    answers = {}
    for item in riasec.ITEMS:
        value = round(means[item.scale] + tilt[item.scale] + rng.uniform(-1.2, 1.2))
        answers[item.id] = max(1, min(5, value))
    return answers


def seed(ctx) -> None:
    rng = ctx.rng
    now = ctx.now
    today = now.astimezone(SHANGHAI).date()
    _ensure_ledger(ctx)
    questionnaire, _created = ensure_default_questionnaire()
    settings.put("plans.subsidy_province", "湖北")
    settings.put("plans.subsidy_amounts", {"湖北": "1500", "广东": "3000", "北京": "1000", "河南": "1000"})
    settings.put("plans.subsidy_default_amount", "1000")
    db.session.flush()

    rounds = []
    for code, name_zh, name_en, opens, closes in _rounds_for(today):
        round_ = QuestionnaireRound(code=code, name_zh=name_zh, name_en=name_en, opens_on=opens, closes_on=closes,
                                    questionnaire_id=questionnaire.id, created_at=now)
        db.session.add(round_)
        rounds.append(round_)
    db.session.flush()
    previous, current = rounds

    ledger = db.session.execute(
        select(Student.id, Student.user_id, Student.graduation_year, Student.home_province)
        .where(in_ledger(Student.id)).order_by(Student.id)
    ).all()
    if not ledger:
        return
    primary = dict(db.session.execute(
        select(MentorAssignment.student_id, MentorAssignment.mentor_id).where(MentorAssignment.kind == "primary")
    ).all())
    first_student = ctx.student_ids[0] if ctx.student_ids else None

    # --- questionnaire answers in two rounds, some recorded by mentors after a talk ----------------
    profiles: dict[int, dict] = {}
    latest_answers: dict[int, dict] = {}
    response_rows = []
    on_behalf_keys = []
    for student_id, user_id, _year, province in ledger:
        profile = _profile(rng)
        profiles[student_id] = profile
        student = {"home_province": province or "湖北"}
        featured = student_id == first_student
        for round_, later in ((previous, False), (current, True)):
            chance = 0.85 if not later else 0.7
            if not featured and rng.random() > chance:
                continue
            answers = _answers(rng, profile, student, later)
            mentor_id = primary.get(student_id)
            on_behalf = mentor_id is not None and not featured and rng.random() < 0.12
            draft = later and not featured and rng.random() < 0.1
            span = max(1, min((round_.closes_on - round_.opens_on).days, (today - round_.opens_on).days))
            when = _local_noon(round_.opens_on + timedelta(days=rng.randrange(span)))
            response_rows.append(dict(
                student_id=student_id, round_id=round_.id, questionnaire_id=questionnaire.id, answers=answers,
                status="draft" if draft else "submitted", filled_by_id=mentor_id if on_behalf else user_id,
                on_behalf=on_behalf, channel=rng.choice(["talk", "phone_interview"]) if on_behalf else None,
                created_at=when, updated_at=when, submitted_at=None if draft else when,
            ))
            if on_behalf:
                on_behalf_keys.append((student_id, round_.id))
            if not draft:
                latest_answers[student_id] = answers
    for start in range(0, len(response_rows), 2000):
        db.session.execute(insert(QuestionnaireResponse), response_rows[start:start + 2000])
    if on_behalf_keys:
        response_ids = {(sid, rid): rid_ for sid, rid, rid_ in db.session.execute(
            select(QuestionnaireResponse.student_id, QuestionnaireResponse.round_id, QuestionnaireResponse.id)
            .where(QuestionnaireResponse.on_behalf.is_(True))
        )}
        by_key = {(r["student_id"], r["round_id"]): r for r in response_rows}
        interventions = []
        for key in on_behalf_keys:
            row = by_key[key]
            interventions.append(dict(
                student_id=row["student_id"], author_id=row["filled_by_id"], type=row["channel"],
                channel="in_person" if row["channel"] == "talk" else "phone", occurred_at=row["submitted_at"] or row["created_at"],
                duration_minutes=rng.choice([20, 30, 40]), notes="与学生谈话后代为填写求职需求调研问卷。",
                visibility="mentors", source="plans.questionnaire", source_id=response_ids[key], follow_up_done=False,
                created_at=row["created_at"], updated_at=row["created_at"],
            ))
        intervention_ids = db.session.scalars(
            insert(Intervention).returning(Intervention.id, sort_by_parameter_order=True), interventions
        ).all()
        db.session.execute(update(QuestionnaireResponse), [
            {"id": row["source_id"], "intervention_id": iid} for row, iid in zip(interventions, intervention_ids)
        ])

    # --- interest results --------------------------------------------------------------------
    result_rows = []
    codes: dict[int, str] = {}
    for student_id, user_id, _year, _province in ledger:
        if student_id != first_student and rng.random() > 0.6:
            continue
        answers = _inventory_answers(rng)
        scores = riasec.score(answers)
        codes[student_id] = riasec.code(scores)
        taken = now - timedelta(days=rng.randrange(5, 200), hours=rng.randrange(24))
        result_rows.append(dict(student_id=student_id, answers=answers, scores=scores, code=codes[student_id],
                                taken_at=taken, taken_by_id=user_id))
    for start in range(0, len(result_rows), 2000):
        db.session.execute(insert(InterestResult), result_rows[start:start + 2000])

    # --- plans with goals in every state ----------------------------------------------------------
    rules = list(db.session.scalars(select(PlanRule).where(PlanRule.active.is_(True)).order_by(PlanRule.position)))
    plan_rows = []
    planned = []
    for student_id, user_id, _year, _province in ledger:
        if student_id != first_student and rng.random() > 0.9:
            continue
        mentor_id = primary.get(student_id)
        created = now - timedelta(days=rng.randrange(30, 120))
        reviewed = rng.random() < 0.6
        review_on = today + timedelta(days=rng.randrange(-10, 35))
        plan_rows.append(dict(
            student_id=student_id, created_by_id=mentor_id, created_at=created, updated_at=created,
            review_on=review_on, last_reviewed_at=created + timedelta(days=rng.randrange(5, 25)) if reviewed else None,
            last_reviewed_by_id=mentor_id if reviewed else None,
            summary=rng.choice(REVIEW_NOTES) if reviewed else None,
        ))
        planned.append((student_id, mentor_id, created))
    plan_ids = db.session.scalars(
        insert(SupportPlan).returning(SupportPlan.id, sort_by_parameter_order=True), plan_rows
    ).all() if plan_rows else []

    goal_rows = []
    goal_meta = []  # (plan_id, student_id, mentor_id, created, status, title, completed_at)
    for (student_id, mentor_id, created), plan_id in zip(planned, plan_ids):
        answers = latest_answers.get(student_id, {})
        matching = [rule for rule in rules if rule_matches(rule, answers, codes.get(student_id))]
        if not matching:
            matching = rules[:2]
        for position, rule in enumerate(matching[:6]):
            roll = rng.random()
            if roll < 0.12:
                status = "suggested"
            elif roll < 0.22:
                status = "dropped"
            elif roll < 0.55:
                status = "done"
            else:
                status = "open"
            due = today + timedelta(days=rng.randrange(-20, 50))
            done_at = (created + timedelta(days=rng.randrange(3, 25))) if status == "done" else None
            goal_rows.append(dict(
                plan_id=plan_id, position=position, title=rule.goal_zh, measures=rule.measures_zh, owner=rule.owner,
                due_on=due, status=status, rule_id=rule.id, reason=rule.name_zh, created_at=created,
                created_by_id=mentor_id, completed_at=done_at,
                completed_by_id=(None if done_at is None else mentor_id),
            ))
            goal_meta.append((plan_id, student_id, mentor_id, created, status, rule.goal_zh, done_at))
    goal_ids = db.session.scalars(
        insert(PlanGoal).returning(PlanGoal.id, sort_by_parameter_order=True), goal_rows
    ).all() if goal_rows else []

    event_rows = []
    for (student_id, mentor_id, created), plan_id in zip(planned, plan_ids):
        event_rows.append(dict(plan_id=plan_id, student_id=student_id, kind="created", actor_id=mentor_id, at=created,
                               staff_only=False))
    for (plan_id, student_id, mentor_id, created, status, title, done_at), goal_id in zip(goal_meta, goal_ids):
        if status == "suggested":
            continue
        accepted = created + timedelta(hours=1)
        event_rows.append(dict(plan_id=plan_id, student_id=student_id, goal_id=goal_id, kind="goal_accepted",
                               detail=title, actor_id=mentor_id, at=accepted, staff_only=False))
        if status == "done":
            event_rows.append(dict(plan_id=plan_id, student_id=student_id, goal_id=goal_id, kind="goal_done",
                                   detail=title, actor_id=mentor_id, at=done_at, staff_only=False))
        elif status == "dropped":
            event_rows.append(dict(plan_id=plan_id, student_id=student_id, goal_id=goal_id, kind="goal_dropped",
                                   detail=title, actor_id=mentor_id, at=accepted + timedelta(days=3), staff_only=False))
    for row, plan_id in zip(plan_rows, plan_ids):
        if row["last_reviewed_at"] is not None:
            event_rows.append(dict(plan_id=plan_id, student_id=row["student_id"], kind="reviewed", detail=row["summary"],
                                   actor_id=row["last_reviewed_by_id"], at=row["last_reviewed_at"], staff_only=False))
    for start in range(0, len(event_rows), 2000):
        db.session.execute(insert(PlanEvent), event_rows[start:start + 2000])

    # --- student loans, subsidy applications, help given ------------------------------------------
    loan_rows = []
    for student_id, _user_id, _year, _province in ledger:
        if rng.random() < 0.3:
            loan_rows.append(dict(student_id=student_id, kind=rng.choice(["home", "home", "campus"]),
                                  recorded_by_id=primary.get(student_id), recorded_at=now - timedelta(days=rng.randrange(30, 300))))
    for start in range(0, len(loan_rows), 2000):
        db.session.execute(insert(StudentLoan), loan_rows[start:start + 2000])
    db.session.flush()

    from portal.plans import subsidy

    year = subsidy.graduating_year(today)
    graduating = [row for row in ledger if row[2] == year]
    basis = subsidy.eligibility_basis([row[0] for row in graduating])
    amounts = subsidy.amounts_by_province()
    application_rows = []
    reached = []
    steps = [s.value for s in SUBSIDY_STEPS]
    for student_id, _user_id, _year, _province in graduating:
        if not basis.get(student_id) or (student_id != first_student and rng.random() > 0.75):
            continue
        province = "湖北" if rng.random() < 0.85 else rng.choice(["广东", "河南", "北京"])
        rejected = student_id != first_student and rng.random() < 0.04
        last = rng.choices(range(len(steps)), weights=[25, 25, 20, 15, 15])[0]
        created = now - timedelta(days=rng.randrange(20, 70))
        application_rows.append(dict(
            student_id=student_id, year=year, category=basis[student_id][0], province=province,
            amount=Decimal(amounts.get(province, "1000")), status="rejected" if rejected else steps[last],
            rejected_reason="公示期内核实不符合申领条件" if rejected else None,
            created_at=created, created_by_id=primary.get(student_id), updated_at=created,
        ))
        reached.append((last, rejected, created, primary.get(student_id)))
    application_ids = db.session.scalars(
        insert(SubsidyApplication).returning(SubsidyApplication.id, sort_by_parameter_order=True), application_rows
    ).all() if application_rows else []
    step_rows = []
    for (last, rejected, created, mentor_id), application_id in zip(reached, application_ids):
        for index in range(last + 1):
            step_rows.append(dict(application_id=application_id, step=steps[index], by_id=mentor_id if index == 0 else ctx.admin_id,
                                  at=created + timedelta(days=index * 6), note=None))
        if rejected:
            step_rows.append(dict(application_id=application_id, step="rejected", by_id=ctx.admin_id,
                                  at=created + timedelta(days=last * 6 + 3), note="公示期内核实不符合申领条件"))
    for start in range(0, len(step_rows), 2000):
        db.session.execute(insert(SubsidyStep), step_rows[start:start + 2000])

    help_rows = []
    for student_id, _user_id, _year, _province in ledger:
        if student_id != first_student and rng.random() > 0.2:
            continue
        for _ in range(rng.choice([1, 1, 2])):
            kind = rng.choices(["travel", "printing", "clothing", "other"], weights=[50, 30, 15, 5])[0]
            amount = {"travel": rng.choice([200, 300, 450, 600]), "printing": None, "clothing": rng.choice([300, None]),
                      "other": 150}[kind]
            help_rows.append(dict(
                student_id=student_id, kind=kind, amount=Decimal(amount) if amount is not None else None,
                given_on=today - timedelta(days=rng.randrange(1, 60)), note=rng.choice(HELP_NOTES[kind]),
                recorded_by_id=primary.get(student_id), created_at=now,
            ))
    if help_rows:
        help_ids = db.session.scalars(insert(HelpGiven).returning(HelpGiven.id, sort_by_parameter_order=True), help_rows).all()
        labels = {"travel": "面试路费和住宿", "printing": "免费打印", "clothing": "面试服装", "other": "其他帮助"}
        interventions = [dict(
            student_id=row["student_id"], author_id=row["recorded_by_id"], type="financial_help", channel="in_person",
            occurred_at=_local_noon(row["given_on"]),
            notes=labels[row["kind"]] + (f" · {row['amount']:.2f} 元" if row["amount"] is not None else "") + "\n" + row["note"],
            visibility="mentors", source="plans.help", source_id=help_id, follow_up_done=False,
            created_at=now, updated_at=now,
        ) for row, help_id in zip(help_rows, help_ids)]
        intervention_ids = db.session.scalars(
            insert(Intervention).returning(Intervention.id, sort_by_parameter_order=True), interventions
        ).all()
        db.session.execute(update(HelpGiven), [
            {"id": help_id, "intervention_id": iid} for help_id, iid in zip(help_ids, intervention_ids)
        ])
    db.session.flush()
