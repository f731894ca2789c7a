"""Appointment pages: students find and book slots; hosts publish them and close appointments;
mentors run booking campaigns; administrators mark psychological counselors."""
from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit, policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role, User
from portal.appointments import attendance as attendance_rules
from portal.appointments import booking as booking_rules
from portal.appointments import bp, hosts
from portal.appointments import calendar as calendar_files
from portal.appointments import campaigns as campaign_rules
from portal.appointments import slots as slot_rules
from portal.appointments.forms import (
    AttendanceForm,
    BookForm,
    CampaignForm,
    CounselorForm,
    NoShowLimitForm,
    OutcomeForm,
    PublishForm,
    ReasonForm,
    RescheduleForm,
    SlotFilterForm,
    WithdrawForm,
    kind_choices,
)
from portal.appointments.labels import (
    BOOKING_STATUS_LABELS,
    KIND_LABELS,
    RUBRIC_LABELS,
    SLOT_STATUS_LABELS,
)
from portal.appointments.models import (
    RUBRIC,
    AppointmentKind,
    Booking,
    BookingStatus,
    Campaign,
    Slot,
)
from portal.cache import cached
from portal.clock import local_to_utc
from portal.errors import RuleViolation, render_error
from portal.extensions import db
from portal.formutil import choices
from portal.htmx import fragment_or_redirect, is_htmx, render
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.models_base import utcnow
from portal.pagination import paginate
from portal.students.access import signed_in_student, student_of_user
from portal.students.models import Student

SLOTS_PER_PAGE = 30
UPCOMING_PER_PAGE = 50


@bp.app_template_filter("appointment_kind")
def _kind_filter(kind: str):
    return KIND_LABELS.get(kind, kind)


@bp.app_template_filter("booking_status")
def _booking_status_filter(status: str):
    return BOOKING_STATUS_LABELS.get(status, status)


@bp.app_template_filter("slot_status")
def _slot_status_filter(status: str):
    return SLOT_STATUS_LABELS.get(status, status)


# --- loaders ----------------------------------------------------------------------------

def get_slot_or_404(slot_id: int) -> Slot:
    slot = db.session.scalar(select(Slot).options(joinedload(Slot.host)).where(Slot.id == slot_id))
    if slot is None:
        abort(404)
    return slot


def get_booking_or_404(booking_id: int) -> Booking:
    booking = db.session.scalar(
        select(Booking)
        .options(
            joinedload(Booking.slot).joinedload(Slot.host),
            joinedload(Booking.student).joinedload(Student.user),
            joinedload(Booking.outcome),
        )
        .where(Booking.id == booking_id)
    )
    if booking is None:
        abort(404)
    return booking


def get_campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _form_refused(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- students: finding and booking slots ----------------------------------------------------

@bp.route("/")
@login_required
def slots():
    policy.require("appointments.browse")
    form = SlotFilterForm(request.args)
    form.kind.choices = kind_choices(list(AppointmentKind), blank=_("All kinds"))
    hosts = dict(_open_slot_hosts())
    if not form.validate() or (form.host.data is not None and form.host.data not in hosts):
        abort(400)
    rows, count = slot_rules.open_slot_rows(kind=form.kind.data or None, host_id=form.host.data, day=form.day.data)
    page = paginate(rows, count=count, per_page=SLOTS_PER_PAGE)
    return render("appointments/slots.html", "appointments/_slots.html", form=form, hosts=hosts, page=page,
                  pause=_my_booking_pause())


def _open_slot_hosts() -> list[tuple[int, str]]:
    """The host filter's hosts. Finding them reads every open slot (tens of milliseconds with a few
    thousand); the list is the same for everyone, kept until slots or users change, or a minute
    passes (slots that close with time leave the list then)."""
    return cached("appointments.open_slot_hosts", slot_rules.hosts_with_open_slots,
                  tables=["appointment_slots", "users"], per_viewer=False, timeout=60)


@bp.route("/slots/<int:slot_id>")
@login_required
def slot(slot_id: int):
    slot = get_slot_or_404(slot_id)
    policy.require("slot.view", slot)
    form = BookForm()
    return render_template("appointments/slot.html", slot=slot, form=form, now=utcnow(), pause=_my_booking_pause())


def _my_booking_pause():
    """Whether the signed-in student's self-booking is paused (and why), for the booking pages."""
    if current_user.role != Role.STUDENT:
        return None
    return booking_rules.booking_pause_of_user(current_user)


@bp.post("/slots/<int:slot_id>/book")
@login_required
def book(slot_id: int):
    slot = get_slot_or_404(slot_id)
    policy.require("appointments.book", slot)
    student = signed_in_student()
    form = BookForm()
    if not form.validate_on_submit():
        return render_template("appointments/slot.html", slot=slot, form=form, now=utcnow()), 400
    try:
        booking = booking_rules.book(slot, student, by=current_user, topic=form.topic.data)
    except RuleViolation as error:
        db.session.rollback()
        slot = get_slot_or_404(slot_id)
        return render_template("appointments/slot.html", slot=slot, form=form, now=utcnow(),
                               error=str(error), pause=_my_booking_pause()), error.status
    db.session.commit()
    flash(_("Booked. A confirmation with a calendar file is on its way to your e-mail."), "success")
    return redirect(url_for("appointments.booking", booking_id=booking.id))


@bp.route("/mine")
@login_required
def mine():
    policy.require("appointments.own")
    student = student_of_user(current_user)
    bookings = []
    if student is not None:
        bookings = db.session.scalars(
            select(Booking)
            .options(joinedload(Booking.slot).joinedload(Slot.host), joinedload(Booking.outcome))
            .where(Booking.student_id == student.id)
            .join(Slot, Booking.slot_id == Slot.id)
            .order_by(Slot.starts_at.desc())
            .limit(200)
        ).unique().all()
    now = utcnow()
    upcoming = sorted((b for b in bookings if b.status == BookingStatus.BOOKED and b.slot.ends_at > now),
                      key=lambda b: b.slot.starts_at)
    past = [b for b in bookings if b not in upcoming]
    pause = booking_rules.booking_pause(student) if student is not None else None
    return render_template("appointments/mine.html", upcoming=upcoming, past=past, pause=pause, now=now,
                           form=EmptyForm(), rubric=RUBRIC, rubric_labels=RUBRIC_LABELS)


@bp.route("/bookings/<int:booking_id>")
@login_required
def booking(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.view", booking)
    is_host = booking.slot.host_id == current_user.id
    if booking.slot.kind == AppointmentKind.PSYCHOLOGICAL_COUNSELING and not is_host \
            and booking.student.user_id != current_user.id:
        # that a student sees a counselor is sensitive: a mentor's or the office's look is logged
        audit.record(current_user, "appointments.counseling_viewed", booking)
        db.session.commit()
    no_shows = None
    if current_user.role in (Role.MENTOR, Role.ADMIN):
        no_shows = booking_rules.no_show_counts([booking.student_id]).get(booking.student_id, 0)
    return render_template(
        "appointments/booking.html", booking=booking, slot=booking.slot, is_host=is_host, now=utcnow(),
        no_shows=no_shows, rubric=RUBRIC, rubric_labels=RUBRIC_LABELS, form=EmptyForm(),
        reason_form=ReasonForm(formdata=None), attendance_form=AttendanceForm(formdata=None),
        can_cancel=booking_rules.can_cancel(booking),
    )


@bp.route("/bookings/<int:booking_id>/calendar.ics")
@login_required
def calendar(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.calendar", booking)
    response = make_response(calendar_files.booking_ics(booking))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{calendar_files.ics_filename(booking)}"'
    return response


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.change", booking)
    if not EmptyForm().validate_on_submit():
        abort(400)
    booking_rules.cancel_booking(booking, by=current_user)
    db.session.commit()
    flash(_("Your booking is cancelled. The host has been told."), "success")
    return redirect(url_for("appointments.mine"))


@bp.route("/bookings/<int:booking_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.change", booking)
    form = RescheduleForm()
    status = 200
    error = None
    if request.method == "POST":
        if form.validate_on_submit():
            new_slot = get_slot_or_404(form.slot_id.data)
            try:
                new_booking = booking_rules.reschedule(booking, new_slot, by=current_user)
            except RuleViolation as failure:
                db.session.rollback()
                booking = get_booking_or_404(booking_id)
                error, status = str(failure), failure.status
            else:
                db.session.commit()
                flash(_("Your booking has moved. The old time is cancelled."), "success")
                return redirect(url_for("appointments.booking", booking_id=new_booking.id))
        else:
            status = 400
    if booking.status != BookingStatus.BOOKED and error is None:
        error, status = _("This booking is no longer active."), 409
    page = paginate(slot_rules.open_slots_stmt(kind=booking.slot.kind, exclude_slot_id=booking.slot_id),
                    per_page=SLOTS_PER_PAGE)
    return render_template("appointments/reschedule.html", booking=booking, page=page, form=form, error=error,
                           can_cancel=booking_rules.can_cancel(booking)), status


# --- hosts: publishing slots and closing appointments -------------------------------------

@bp.route("/host")
@login_required
def host_home():
    policy.require("appointments.host")
    now = utcnow()
    rows, count = slot_rules.upcoming_of(current_user, now=now)
    page = paginate(rows, count=count, per_page=UPCOMING_PER_PAGE)
    to_close = attendance_rules.to_close(current_user, now=now)
    is_mentor = current_user.role == Role.MENTOR
    no_shows, caseload_no_shows = {}, []
    if is_mentor:
        student_ids = {slot.student_id for slot in page.items if slot.student_id} | {b.student_id for b in to_close}
        no_shows = booking_rules.no_show_counts(student_ids)
        caseload_no_shows = booking_rules.caseload_no_shows(current_user)
    return render_template(
        "appointments/host.html", page=page, to_close=to_close, no_shows=no_shows, is_mentor=is_mentor,
        caseload_no_shows=caseload_no_shows, now=now, kinds=hosts.host_kinds(current_user),
    )


@bp.route("/host/slots/new", methods=["GET", "POST"])
@login_required
def publish():
    policy.require("appointments.host")
    form = PublishForm()
    kinds = hosts.host_kinds(current_user)
    form.kind.choices = kind_choices(kinds)
    status = 200
    if form.validate_on_submit():
        try:
            created = slot_rules.publish_slots(
                current_user,
                kind=form.kind.data,
                starts_at=local_to_utc(form.start_date.data, form.start_time.data),
                duration_minutes=int(form.duration.data),
                weeks=form.weeks.data,
                location=form.location.data,
                online_link=form.online_link.data,
                note=form.note.data,
                min_notice_hours=form.min_notice_hours.data,
                cancel_deadline_hours=form.cancel_deadline_hours.data,
                max_active_per_student=form.max_active_per_student.data,
            )
        except RuleViolation as error:
            db.session.rollback()
            field = getattr(form, error.field or "", None) or form.start_date
            field.errors = list(field.errors) + [str(error)]
            status = error.status
        else:
            db.session.commit()
            flash(ngettext("%(num)d slot published.", "%(num)d slots published.", len(created)), "success")
            return redirect(url_for("appointments.host_home"))
    elif request.method == "POST":
        status = 400
    return render_template("appointments/publish.html", form=form, psychological_hidden=(
        current_user.role == Role.MENTOR and AppointmentKind.PSYCHOLOGICAL_COUNSELING not in kinds)), status


@bp.post("/host/slots/<int:slot_id>/withdraw")
@login_required
def withdraw_slot(slot_id: int):
    slot = get_slot_or_404(slot_id)
    policy.require("slot.manage", slot)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    slot_rules.withdraw_slot(slot, by=current_user, reason=form.reason.data)
    db.session.commit()
    flash(_("The slot is withdrawn."), "success")
    return redirect(url_for("appointments.host_home"))


@bp.post("/host/series/<series_key>/withdraw")
@login_required
def withdraw_series(series_key: str):
    policy.require("appointments.host")
    if not EmptyForm().validate_on_submit():
        abort(400)
    exists = db.session.scalar(
        select(Slot.id).where(Slot.series_key == series_key, Slot.host_id == current_user.id).limit(1)
    )
    if exists is None:
        abort(404)
    withdrawn, kept = slot_rules.withdraw_series(current_user, series_key)
    db.session.commit()
    message = _("%(withdrawn)d slots of the series withdrawn.", withdrawn=withdrawn)
    if kept:
        message += " " + _("%(kept)d booked slots are kept; cancel them one by one with a reason.", kept=kept)
    flash(message, "success")
    return redirect(url_for("appointments.host_home"))


@bp.post("/bookings/<int:booking_id>/attendance")
@login_required
def attendance(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.host", booking)
    form = AttendanceForm()
    if not form.validate_on_submit():
        return render_error(400, _form_refused(form))
    try:
        attendance_rules.mark_attendance(booking, by=current_user, attended=form.attended.data == "yes")
    except RuleViolation as error:
        if not is_htmx():
            raise
        db.session.rollback()
        message, ok, status = str(error), False, error.status
    else:
        db.session.commit()
        message, ok, status = _("Attendance saved."), True, 200
    if request.form.get("back") == "booking":
        back = url_for("appointments.booking", booking_id=booking_id)
    else:
        back = url_for("appointments.host_home")
    is_mentor = current_user.role == Role.MENTOR
    return fragment_or_redirect(
        "appointments/_close_row.html", back, message=message, ok=ok, status=status, redirect_code=302,
        booking=attendance_rules.close_row(booking_id), is_mentor=is_mentor,
        no_shows=booking_rules.no_show_counts([booking.student_id]) if is_mentor else {},
    )


@bp.post("/bookings/<int:booking_id>/host-cancel")
@login_required
def host_cancel(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.host", booking)
    form = ReasonForm()
    if not form.validate_on_submit():
        return render_error(400, _form_refused(form))
    if booking.status != BookingStatus.BOOKED:
        return render_error(409, _("This booking is no longer active."))
    slot_rules.withdraw_slot(booking.slot, by=current_user, reason=form.reason.data)
    db.session.commit()
    flash(_("The appointment is cancelled and the student has been told."), "success")
    return redirect(url_for("appointments.host_home"))


@bp.route("/bookings/<int:booking_id>/outcome", methods=["GET", "POST"])
@login_required
def outcome(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.host", booking)
    form = OutcomeForm()
    if booking.slot.kind == AppointmentKind.PSYCHOLOGICAL_COUNSELING:
        form.notes.label.text = _("Private notes (only you can read them)")
    status = 200
    error = None
    if booking.outcome is not None:
        flash(_("Feedback for this appointment was already recorded."), "info")
        return redirect(url_for("appointments.booking", booking_id=booking.id))
    if form.validate_on_submit():
        try:
            attendance_rules.record_outcome(booking, by=current_user, scores=form.scores(),
                                            comments=form.comments.data, notes=form.notes.data)
        except RuleViolation as failure:
            db.session.rollback()
            booking = get_booking_or_404(booking_id)
            field = getattr(form, failure.field or "", None)
            if field is not None:
                field.errors = list(field.errors) + [str(failure)]
            else:
                error = str(failure)
            status = failure.status
        else:
            db.session.commit()
            flash(_("Feedback saved and logged in the student's record."), "success")
            return redirect(url_for("appointments.booking", booking_id=booking.id))
    elif request.method == "POST":
        status = 400
    return render_template("appointments/outcome.html", booking=booking, slot=booking.slot, form=form,
                           error=error, rubric=RUBRIC, now=utcnow()), status


@bp.post("/bookings/<int:booking_id>/excuse")
@login_required
def excuse(booking_id: int):
    booking = get_booking_or_404(booking_id)
    policy.require("booking.excuse", booking)
    if not EmptyForm().validate_on_submit():
        abort(400)
    attendance_rules.excuse_no_show(booking, by=current_user)
    db.session.commit()
    flash(_("The missed appointment is excused; it no longer counts towards a booking pause."), "success")
    return redirect(url_for("appointments.booking", booking_id=booking.id))


# --- campaigns --------------------------------------------------------------------------

@bp.route("/campaigns")
@login_required
def campaigns():
    policy.require("campaign.create")
    return render_template("appointments/campaigns.html", campaigns=campaign_rules.campaigns_of(current_user))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def campaign_new():
    policy.require("campaign.create")
    students = campaign_rules.caseload(current_user)
    kind = request.values.get("kind") or AppointmentKind.MOCK_INTERVIEW
    if kind not in {k.value for k in AppointmentKind}:
        kind = AppointmentKind.MOCK_INTERVIEW
    group = request.args.get("group", campaign_rules.GROUP_WITHOUT)
    already = campaign_rules.students_with_kind([s.id for s in students], kind)
    form = CampaignForm()
    form.kind.choices = kind_choices(list(AppointmentKind))
    form.students.choices = choices([(s.id, f"{s.name} · {s.student_no}") for s in students])
    status = 200
    if request.method == "GET":
        form.kind.data = kind
        form.title.data = _("Please book a %(kind)s", kind=KIND_LABELS[kind])
        form.students.data = [s.id for s in students if group == campaign_rules.GROUP_ALL or s.id not in already]
    elif form.validate_on_submit():
        try:
            campaign = campaign_rules.create_campaign(current_user, kind=form.kind.data, title=form.title.data,
                                                      message=form.message.data, student_ids=form.students.data)
        except RuleViolation as error:
            db.session.rollback()
            getattr(form, error.field or "students").errors.append(str(error))
            status = error.status
        else:
            db.session.commit()
            flash(_("Invitations sent."), "success")
            return redirect(url_for("appointments.campaign", campaign_id=campaign.id))
    else:
        status = 400
    return render_template("appointments/campaign_new.html", form=form, students=students, already=already,
                           kind=kind, group=group), status


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id)
    policy.require("campaign.manage", campaign)
    rows = campaign_rules.campaign_rows(campaign)
    booked = sum(1 for row in rows if row.booking is not None)
    return render_template("appointments/campaign.html", campaign=campaign, rows=rows, booked=booked,
                           form=EmptyForm())


@bp.post("/campaigns/<int:campaign_id>/remind")
@login_required
def campaign_remind(campaign_id: int):
    campaign = get_campaign_or_404(campaign_id)
    policy.require("campaign.manage", campaign)
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = campaign_rules.remind_campaign(campaign, by=current_user)
    db.session.commit()
    if count:
        flash(ngettext("%(num)d student reminded.", "%(num)d students reminded.", count), "success")
    else:
        flash(_("Nobody to remind: everyone has booked, or was already reminded today."), "info")
    return redirect(url_for("appointments.campaign", campaign_id=campaign.id))


# --- administrators ---------------------------------------------------------------------

@bp.route("/admin/hosts")
@login_required
def admin_hosts():
    policy.require("appointments.admin")
    return render_template("appointments/admin_hosts.html", mentors=hosts.mentors_with_profiles(),
                           form=CounselorForm(formdata=None),
                           limit_form=NoShowLimitForm(formdata=None, limit=booking_rules.no_show_limit()))


@bp.post("/admin/no-show-limit")
@login_required
def admin_no_show_limit():
    policy.require("appointments.admin")
    form = NoShowLimitForm()
    if form.validate_on_submit():
        booking_rules.set_no_show_limit(form.limit.data, actor=current_user)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("appointments.admin_hosts"))
    return render_template("appointments/admin_hosts.html", mentors=hosts.mentors_with_profiles(),
                           form=CounselorForm(formdata=None), limit_form=form), 400


@bp.post("/admin/hosts/<int:user_id>/counselor")
@login_required
def admin_host_counselor(user_id: int):
    policy.require("appointments.admin")
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = CounselorForm()
    if not form.validate_on_submit():
        return render_error(400, _("Say whether this mentor is a psychological counselor."))
    hosts.set_counselor(user, form.counselor.data == "yes", actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("appointments.admin_hosts"))
