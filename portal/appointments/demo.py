"""Demo appointments: hosts' slots over the past three and coming four weeks, bookings, feedback on
past mock interviews, psychological counselors, and a booking campaign per early mentor."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from sqlalchemy import func, insert, select

from portal.appointments.attendance import intervention_notes
from portal.appointments.models import (
    RUBRIC,
    AppointmentKind,
    Booking,
    BookingStatus,
    Campaign,
    CampaignInvite,
    HostProfile,
    Outcome,
    Slot,
    SlotStatus,
)
from portal.extensions import db
from portal.students.models import Intervention, MentorAssignment

ZONE = ZoneInfo("Asia/Shanghai")
PAST_WEEKS = 3
COMING_WEEKS = 4

PLACES = ["行政楼 302 就业指导室", "临床技能中心 2 楼 模拟诊室", "图书馆 研讨间 B3", "学生事务中心 201 生涯咨询室"]
COUNSELING_ROOM = "心理健康教育中心 105 咨询室"
NOTES = ["请携带打印版简历", "按三甲医院住院医师规培面试流程进行", "可带上目标岗位的招聘公告", None, None]
TOPICS = ["规培面试准备", "想了解基层医疗卫生岗位", "简历里的实习经历怎么写", "考研还是就业拿不定主意",
          "护士执业资格考试与求职时间冲突", "三支一扶报名材料", None, None]
COMMENTS = [
    "病例分析思路清晰，鉴别诊断可以再全面一些。",
    "自我介绍略长，建议控制在一分钟以内，突出临床实习收获。",
    "回答医患沟通情景题时语气平和，表现得体。",
    "专业基础扎实，但紧张时语速偏快，多做几次模拟会更好。",
    "对目标医院的了解不足，面试前请查阅医院官网和科室特色。",
    "着装整洁，礼仪到位；结构化面试题可按“背景—行动—结果”作答。",
]
CAREER_NOTES = ["梳理了就业意向，建议优先关注生源地县级医院和乡镇卫生院岗位。",
                "讨论了规培与直接就业的利弊，约定两周后再谈。"]


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(timezone.utc)


def _ensure_caseloads(ctx) -> None:
    """Round-robin primary mentors, unless the students feature's demo already assigned them."""
    if db.session.scalar(select(func.count(MentorAssignment.id))) or not ctx.mentor_ids:
        return
    rows = [dict(student_id=sid, mentor_id=ctx.mentor_ids[i % len(ctx.mentor_ids)], kind="primary",
                 created_at=ctx.now, created_by_id=ctx.admin_id) for i, sid in enumerate(ctx.student_ids)]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(MentorAssignment), rows[start:start + 2000])


def seed(ctx) -> None:
    rng = ctx.rng
    now = ctx.now
    today = now.astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    _ensure_caseloads(ctx)

    # every third mentor is a psychological counselor (mentor03, mentor06…)
    counselors = ctx.mentor_ids[2::3]
    db.session.execute(insert(HostProfile), [
        dict(user_id=uid, psychological_counselor=uid in counselors, updated_at=now, updated_by_id=ctx.admin_id)
        for uid in ctx.mentor_ids + ctx.alumni_ids
    ])

    # each host's weekly pattern: (weekday, hour, minute, minutes, kind, place)
    slot_rows = []
    for index, host_id in enumerate(ctx.mentor_ids):
        place = PLACES[index % len(PLACES)]
        pattern = [(1, 14, 0, 60, AppointmentKind.MOCK_INTERVIEW, place),
                   (3, 9, 30, 45, AppointmentKind.CAREER_COUNSELING, place),
                   (3, 10 + index % 5, 30, 30, AppointmentKind.RESUME_REVIEW, place)]
        if host_id in counselors:
            pattern.append((2, 15, 0, 50, AppointmentKind.PSYCHOLOGICAL_COUNSELING, COUNSELING_ROOM))
        slot_rows += _weekly(ctx, host_id, pattern, monday, note=rng.choice(NOTES))
    for index, host_id in enumerate(ctx.alumni_ids):
        link = f"https://meeting.tencent.com/dm/{rng.randint(10**9, 10**10 - 1)}"
        slot_rows += _weekly(ctx, host_id, [(5, 10 + index % 3, 0, 45, AppointmentKind.MOCK_INTERVIEW, None)],
                             monday, online_link=link, note="线上模拟面试，由在岗校友担任面试官")
    for start in range(0, len(slot_rows), 2000):
        db.session.execute(insert(Slot), slot_rows[start:start + 2000])

    slots = db.session.execute(
        select(Slot.id, Slot.host_id, Slot.kind, Slot.starts_at, Slot.ends_at).order_by(Slot.starts_at, Slot.id)
    ).all()
    _book(ctx, slots)
    _campaigns(ctx)


def _weekly(ctx, host_id, pattern, monday, *, note=None, online_link=None) -> list[dict]:
    rows = []
    for week in range(-PAST_WEEKS, COMING_WEEKS):
        for weekday, hour, minute, minutes, kind, place in pattern:
            starts = _at(monday + timedelta(weeks=week, days=weekday), hour, minute)
            # hosts publish three weeks ahead with 24 h notice and a 12 h cancellation deadline
            rows.append(dict(
                host_id=host_id, kind=kind, starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
                location=place, online_link=online_link, note=note, min_notice_hours=24, cancel_deadline_hours=12,
                max_active_per_student=1, bookable_until=starts - timedelta(hours=24),
                cancellable_until=starts - timedelta(hours=12), status=SlotStatus.OPEN,
                series_key=f"demo{host_id:05d}{weekday}{hour:02d}", created_at=ctx.now - timedelta(weeks=PAST_WEEKS + 1),
            ))
    return rows


def _book(ctx, slots) -> None:
    rng = ctx.rng
    now = ctx.now
    students = list(ctx.student_ids)
    if not students:
        return
    user_of = dict(zip(ctx.student_ids, ctx.student_user_ids))
    # students with an upcoming booking, per kind, so nobody exceeds a host's limit of one
    upcoming_by_kind: dict[str, set[int]] = {}
    first_student = students[0]
    first_mentor = ctx.mentor_ids[0] if ctx.mentor_ids else None
    rows = []
    for slot_id, host_id, kind, starts, ends in slots:
        past = ends <= now
        # student0001 gets a past mock interview and career talk, and one coming mock interview, with mentor01
        wanted = host_id == first_mentor and kind in (AppointmentKind.MOCK_INTERVIEW, AppointmentKind.CAREER_COUNSELING)
        if wanted and past and not any(r["student_id"] == first_student and r["_kind"] == kind for r in rows):
            student = first_student
        elif wanted and not past and kind == AppointmentKind.MOCK_INTERVIEW \
                and first_student not in upcoming_by_kind.get(kind, set()):
            student = first_student
        elif rng.random() < (0.7 if past else 0.4):
            student = rng.choice(students)
            if not past and student in upcoming_by_kind.get(kind, set()):
                continue
        else:
            continue
        if not past:
            upcoming_by_kind.setdefault(kind, set()).add(student)
        if past:
            roll = rng.random()
            status = (BookingStatus.ATTENDED if roll < 0.8 else BookingStatus.NO_SHOW if roll < 0.9
                      else BookingStatus.CANCELLED)
            if student == first_student:
                status = BookingStatus.ATTENDED
        else:
            status = BookingStatus.BOOKED
        booked_at = starts - timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 10))
        rows.append(dict(
            _kind=kind, _starts=starts, _ends=ends, _host=host_id,
            slot_id=slot_id, student_id=student, status=status, topic=rng.choice(TOPICS), booked_at=booked_at,
            booked_by_id=user_of[student],
            cancelled_at=booked_at + timedelta(days=1) if status == BookingStatus.CANCELLED else None,
            cancelled_by_id=user_of[student] if status == BookingStatus.CANCELLED else None,
            attendance_marked_at=ends if status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW) else None,
            no_show_excused=False,
            reminded_at=starts - timedelta(days=1) if past else None,
        ))
    clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    for start in range(0, len(clean), 2000):
        db.session.execute(insert(Booking), clean[start:start + 2000])
    _outcomes(ctx, rows)


def _outcomes(ctx, rows) -> None:
    """Feedback on most attended mock interviews, resume reviews and career talks (the host's latest week
    stays open for the demo's "to close" list); each is logged as an intervention from the booking."""
    rng = ctx.rng
    booking_ids = dict(db.session.execute(select(Booking.slot_id, Booking.id)).all())
    last_week = ctx.now - timedelta(days=4)
    closing = [row for row in rows if row["status"] == BookingStatus.ATTENDED and row["_starts"] < last_week
               and row["_kind"] != AppointmentKind.PSYCHOLOGICAL_COUNSELING]
    closing += [row for row in rows if row["status"] == BookingStatus.ATTENDED and row["_starts"] >= last_week
                and row["student_id"] == ctx.student_ids[0]]
    kinds = {AppointmentKind.MOCK_INTERVIEW: ("mock_interview", "student"),
             AppointmentKind.CAREER_COUNSELING: ("career_counseling", "mentors"),
             AppointmentKind.RESUME_REVIEW: ("resume_coaching", "student")}
    interventions, outcomes = [], []
    for row in closing:
        booking_id = booking_ids[row["slot_id"]]
        kind = row["_kind"]
        scores = {name: None for name in RUBRIC}
        comment = None
        if kind == AppointmentKind.MOCK_INTERVIEW:
            scores = {name: rng.choice((2, 3, 3, 4, 4, 4, 5, 5)) for name in RUBRIC}
            comment = "".join(rng.sample(COMMENTS, 2))
            with force_locale("zh"):  # the office's language: the record was written in Chinese
                notes = intervention_notes(scores, [comment])
        elif kind == AppointmentKind.CAREER_COUNSELING:
            comment = "建议本周内更新简历并关注本省卫健委招聘公告。"
            notes = intervention_notes(None, [rng.choice(CAREER_NOTES)])
        else:
            comment = "简历结构清楚；实习经历请用具体病例数和操作项目说明。"
            notes = intervention_notes(None, [comment])
        type_, visibility = kinds[kind]
        interventions.append(dict(
            student_id=row["student_id"], author_id=row["_host"], type=type_,
            channel="in_person", occurred_at=row["_starts"],
            duration_minutes=int((row["_ends"] - row["_starts"]).total_seconds() // 60), notes=notes,
            follow_up_done=False, visibility=visibility, source="booking", source_id=booking_id,
            created_at=row["_ends"], updated_at=row["_ends"],
        ))
        outcomes.append(dict(booking_id=booking_id, author_id=row["_host"], comments=comment, created_at=row["_ends"],
                             **scores))
    for start in range(0, len(interventions), 2000):
        db.session.execute(insert(Intervention), interventions[start:start + 2000])
    logged = dict(db.session.execute(
        select(Intervention.source_id, Intervention.id).where(Intervention.source == "booking")
    ).all())
    for outcome in outcomes:
        outcome["intervention_id"] = logged.get(outcome["booking_id"])
    for start in range(0, len(outcomes), 2000):
        db.session.execute(insert(Outcome), outcomes[start:start + 2000])


def _campaigns(ctx) -> None:
    """The first five mentors invited the caseload students without a mock interview to book one."""
    for mentor_id in ctx.mentor_ids[:5]:
        caseload = list(db.session.scalars(
            select(MentorAssignment.student_id).where(MentorAssignment.mentor_id == mentor_id)
            .order_by(MentorAssignment.student_id)
        ))
        if not caseload:
            continue
        had = set(db.session.scalars(
            select(Booking.student_id).join(Slot, Slot.id == Booking.slot_id).where(
                Booking.student_id.in_(caseload), Slot.kind == AppointmentKind.MOCK_INTERVIEW,
                Booking.booked_at < ctx.now - timedelta(days=10), Booking.status != BookingStatus.CANCELLED)
        ))
        invited = [sid for sid in caseload if sid not in had][:60]
        if not invited:
            continue
        created = ctx.now - timedelta(days=10)
        campaign = Campaign(
            mentor_id=mentor_id, kind=AppointmentKind.MOCK_INTERVIEW, title="毕业季模拟面试邀约",
            message="同学们好：春季招聘即将开始，请在两周内预约一次模拟面试，提前熟悉医院结构化面试。",
            created_at=created, last_reminded_at=created + timedelta(days=5),
        )
        db.session.add(campaign)
        db.session.flush()
        campaign_id = campaign.id
        db.session.execute(insert(CampaignInvite), [
            dict(campaign_id=campaign_id, student_id=sid, invited_at=created, reminder_count=0) for sid in invited
        ])
