"""Destinations, follow-up calls and the feedback channel: the students' page and the staff's pages."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from portal import clock, policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role, User
from portal.cache import cached
from portal.errors import RuleViolation
from portal.extensions import db
from portal.htmx import render
from portal.i18n import gettext as _
from portal.outcomes import bp, surveys
from portal.outcomes import categories as cat
from portal.outcomes import destinations as destination_service
from portal.outcomes import feedback as feedback_service
from portal.outcomes import follow_ups as follow_up_service
from portal.outcomes.forms import (
    DestinationFilterForm,
    DestinationForm,
    FeedbackFilterForm,
    FeedbackForm,
    FollowUpFilterForm,
    FollowUpForm,
    StudentDestinationForm,
)
from portal.outcomes.models import Destination
from portal.outcomes.rates import Scope, destination_rates, graduated_years, season_year
from portal.pagination import paginate
from portal.students.access import caseload_student_ids, signed_in_student
from portal.students.models import MentorAssignment, Student

# the tables a class's totals are counted from
TOTALS_TABLES = ("students", "destinations", "hardship_claims", "mentor_assignments", "settings")


def get_student_or_404(student_id: int) -> Student:
    student = db.session.get(Student, student_id, options=[joinedload(Student.user)])
    if student is None:
        abort(404)
    return student


def get_destination_or_404(destination_id: int) -> Destination:
    destination = db.session.get(Destination, destination_id, options=[joinedload(Destination.student)])
    if destination is None:
        abort(404)
    return destination


def labels() -> dict:
    """The label dictionaries the outcome templates share (lazy strings, translated where shown)."""
    return {
        "category_labels": cat.CATEGORY_LABELS,
        "category_codes": {c.key: c.code for c in cat.CATEGORIES},
        "unit_labels": cat.UNIT_NATURE_LABELS,
        "industry_labels": cat.INDUSTRY_LABELS,
        "level_labels": cat.HOSPITAL_LEVEL_LABELS,
        "post_labels": cat.POST_TYPE_LABELS,
        "relation_labels": cat.RELATION_LABELS,
        "salary_labels": cat.SALARY_LABELS,
        "source_labels": cat.SOURCE_LABELS,
        "result_labels": follow_up_service.FOLLOW_UP_RESULT_LABELS,
        "channel_labels": follow_up_service.FOLLOW_UP_CHANNEL_LABELS,
        "status_labels": destination_service.OUTCOME_STATUS_LABELS,
    }


def _field_error(form, error: RuleViolation) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = list(field.errors) + [str(error)]
    else:
        flash(str(error), "error")


def _concurrent_change():
    db.session.rollback()
    flash(_("Someone else changed this record at the same moment. Please check it and try again."), "error")


# --- the student's own page ----------------------------------------------------------------------

@bp.route("/me")
@login_required
def me():
    policy.require("outcomes.student")
    student = signed_in_student()
    policy.require("outcomes.own", student)
    history = destination_service.destination_history(student)
    return render_template(
        "outcomes/me.html", student=student, current=next((d for d in history if d.is_current), None),
        history=history, open_surveys=surveys.surveys_for(student),
        measures=feedback_service.measures_received(student), given=feedback_service.feedback_of(student),
        **labels(),
    )


@bp.route("/me/destination", methods=["GET", "POST"])
@login_required
def report_destination():
    policy.require("outcomes.student")
    student = signed_in_student()
    policy.require("destination.report_own", student)
    current = destination_service.current_destination(student)
    form = StudentDestinationForm(obj=current) if request.method == "GET" and current else StudentDestinationForm()
    status = 200
    if form.validate_on_submit():
        try:
            destination_service.record_destination(student, actor=current_user, source="student",
                                                   **form.destination_values())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _field_error(form, error)
            status = error.status
        except (IntegrityError, OperationalError):
            _concurrent_change()
            status = 409
        else:
            flash(_("Thank you. Your mentor will confirm your destination."), "success")
            return redirect(url_for("outcomes.me"))
    elif request.method == "POST":
        status = 400
    return render_template("outcomes/report_destination.html", form=form, student=student), status


@bp.route("/feedback/<measure_type>/<int:measure_id>", methods=["GET", "POST"])
@login_required
def give_feedback(measure_type: str, measure_id: int):
    measure = feedback_service.load_measure(measure_type, measure_id)
    if measure is None:
        abort(404)
    policy.require("feedback.give", measure)
    student = signed_in_student()
    existing = feedback_service.feedback_of(student).get((measure_type, measure_id))
    if request.method == "GET" and existing:
        form = FeedbackForm(rating=str(existing.rating), comment=existing.comment)
    else:
        form = FeedbackForm()
    status = 200
    if form.validate_on_submit():
        try:
            feedback_service.give_feedback(student, measure, rating=form.rating.data, comment=form.comment.data)
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _field_error(form, error)
            status = error.status
        except IntegrityError:
            _concurrent_change()
            status = 409
        else:
            flash(_("Thank you for your feedback."), "success")
            return redirect(url_for("outcomes.me"))
    elif request.method == "POST":
        status = 400
    return render_template("outcomes/feedback_form.html", form=form, measure=measure, existing=existing), status


# --- a student's destination, for their mentors and the office --------------------------------------

@bp.route("/students/<int:student_id>/destination", methods=["GET", "POST"])
@login_required
def student_destination(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("destination.view", student)
    if request.method == "POST":
        policy.require("destination.record", student)
    can_record = policy.may(current_user, "destination.record", student)
    current = destination_service.current_destination(student)
    form = DestinationForm(obj=current, formdata=None) if request.method == "GET" and current else DestinationForm()
    if request.method == "GET":
        form.verified.data = False
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                destination_service.record_destination(
                    student, actor=current_user, source="mentor" if current_user.role == Role.MENTOR else "office",
                    verified=form.verified.data, **form.destination_values())
                db.session.commit()
            except RuleViolation as error:
                db.session.rollback()
                _field_error(form, error)
                status = error.status
            except (IntegrityError, OperationalError):
                _concurrent_change()
                status = 409
            else:
                flash(_("Destination recorded."), "success")
                return redirect(url_for("outcomes.student_destination", student_id=student.id))
        else:
            status = 400
    return render_template(
        "outcomes/student_destination.html", student=student, current=current,
        history=destination_service.destination_history(student),
        follow_ups=follow_up_service.follow_ups_of(student) if can_record else [],
        form=form if can_record else None, verify_form=EmptyForm(formdata=None), can_record=can_record,
        **labels(),
    ), status


@bp.post("/destinations/<int:destination_id>/verify")
@login_required
def verify_destination(destination_id: int):
    destination = get_destination_or_404(destination_id)
    policy.require("destination.verify", destination)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        destination_service.verify_destination(destination, actor=current_user)
        db.session.commit()
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Destination confirmed."), "success")
    if request.form.get("back") == "list":
        return redirect(url_for("outcomes.destinations", verified="pending"))
    return redirect(url_for("outcomes.student_destination", student_id=destination.student_id))


def _colleges() -> list[str]:
    from portal.reports.stats import filter_choices

    return filter_choices(None)[1]


def _class_totals(scope: Scope):
    """The class's totals, by the one rate function: counted over the whole class, so kept."""
    return cached("outcomes.class_totals", lambda: destination_rates(scope).all(), tables=TOTALS_TABLES,
                  args=(scope,))


def _viewer_mentor_id() -> int | None:
    return current_user.id if current_user.role == Role.MENTOR else None


@bp.route("/destinations")
@login_required
def destinations():
    policy.require("destinations.list")
    form = DestinationFilterForm(request.args)
    colleges = _colleges()
    form.college.choices = [("", _("All colleges"))] + [(c, c) for c in colleges]
    status = 200 if form.validate() else 400
    year = form.year.data if status == 200 and form.year.data else season_year()
    form.year.data = year
    college = form.college.data or None if status == 200 else None
    term = (form.q.data or "").strip() if status == 200 else ""
    category = form.category.data if status == 200 else ""
    verified = form.verified.data if status == 200 else ""
    # only the columns the list shows, as rows; the count names no columns
    where = [Student.graduation_year == year]
    if current_user.role == Role.MENTOR:
        where.append(Student.id.in_(caseload_student_ids(current_user)))
    if college:
        where.append(Student.college == college)
    if category == "none":
        where.append(Destination.id.is_(None))
    elif category:
        where.append(Destination.category == category)
    if verified == "pending":
        where.extend((Destination.id.is_not(None), Destination.verified == False))  # noqa: E712
    elif verified == "verified":
        where.append(Destination.verified == True)  # noqa: E712
    if term:
        where.append(or_(Student.student_no == term, User.display_name.contains(term)))
    rows = (select(Student.id, Student.student_no, Student.college, Student.major, User.display_name)
            .join(User, User.id == Student.user_id))
    count = select(func.count(Student.id)).select_from(Student)
    if term:
        count = count.join(User, User.id == Student.user_id)
    # only a filter on the destination needs the join
    if category or verified:
        on = and_(Destination.student_id == Student.id, Destination.is_current == True)  # noqa: E712
        rows, count = rows.outerjoin(Destination, on), count.outerjoin(Destination, on)
    count = count.where(*where)
    total = None
    if not (category or verified or term):
        # the class, or one college of it: counting 17,000 students reads the whole class index
        total = cached("outcomes.destinations_total", lambda: db.session.scalar(count),
                       tables=("students", "mentor_assignments"), args=(year, college))
    # by id: the class index already holds that order, so no sort of the whole class
    page = paginate(rows.where(*where).order_by(Student.id), count=count, total=total, per_page=50)
    current = {d.student_id: d for d in db.session.execute(
        select(Destination.id, Destination.student_id, Destination.category, Destination.employer,
               Destination.decided_on, Destination.verified)
        .where(Destination.student_id.in_([s.id for s in page.items]), Destination.is_current == True))}  # noqa: E712
    totals = _class_totals(Scope(years=(year,), mentor_id=_viewer_mentor_id()))
    return render("outcomes/destinations.html", "outcomes/_destination_rows.html", status=status, form=form,
                  page=page, current=current, year=year, totals=totals, **labels())


# --- follow-ups after graduation --------------------------------------------------------------------

def _mentor_choices():
    from portal.reports.stats import filter_choices

    return [("", _("All mentors"))] + [(str(i), name) for i, name in filter_choices(None)[2]]


@bp.route("/follow-ups")
@login_required
def follow_ups():
    policy.require("followups.list")
    form = FollowUpFilterForm(request.args)
    is_admin = current_user.role == Role.ADMIN
    form.mentor.choices = _mentor_choices() if is_admin else []
    status = 200 if form.validate() else 400
    year = form.year.data if status == 200 and form.year.data else graduated_years()
    form.year.data = year
    group = form.group.data if status == 200 and form.group.data else "not_employed"
    mentor_id = int(form.mentor.data) if is_admin and (form.mentor.data or "").isdigit() else None
    stmt = follow_up_service.follow_up_query(viewer=current_user, year=year, group=group, mentor_id=mentor_id)
    page = paginate(stmt, per_page=50)
    rows = follow_up_service.follow_up_rows(page.items)
    totals = _class_totals(Scope(years=(year,), mentor_id=mentor_id if is_admin else current_user.id))
    return render("outcomes/follow_ups.html", "outcomes/_follow_up_rows.html", status=status, form=form, page=page,
                  rows=rows, year=year, group=group, totals=totals, is_admin=is_admin,
                  graduated=year <= graduated_years(), **labels())


@bp.route("/follow-ups/<int:student_id>", methods=["GET", "POST"])
@login_required
def log_follow_up(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("followup.log", student)
    form = FollowUpForm()
    status = 200
    if form.validate_on_submit():
        occurred = clock.moment_of_day(form.occurred_on.data) if form.occurred_on.data else None
        try:
            follow_up_service.log_follow_up(
                student, author=current_user, result=form.result.data, channel=form.channel.data,
                notes=form.notes.data, occurred_at=occurred, destination=form.destination_values(),
                verified=form.verified.data,
            )
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            _field_error(form, error)
            status = error.status
        except (IntegrityError, OperationalError):
            _concurrent_change()
            status = 409
        else:
            flash(_("Follow-up logged."), "success")
            return redirect(url_for("outcomes.follow_ups", year=student.graduation_year))
    elif request.method == "POST":
        status = 400
    return render_template(
        "outcomes/follow_up_form.html", form=form, student=student,
        current=destination_service.current_destination(student),
        history=follow_up_service.follow_ups_of(student), **labels(),
    ), status


# --- the feedback channel, per measure ------------------------------------------------------------

# the tables the summary of ratings is counted from
FEEDBACK_TABLES = ("measure_feedback", "interventions", "session_registrations", "group_sessions", "mentor_assignments")


@bp.route("/feedback")
@login_required
def feedback():
    policy.require("feedback.view")
    form = FeedbackFilterForm(request.args)
    status = 200 if form.validate() else 400
    rating = int(form.rating.data) if status == 200 and form.rating.data else None
    rows, count = feedback_service.feedback_query(current_user, rating=rating)
    page = paginate(rows, count=count, per_page=30)
    measures = feedback_service.measures_of(page.items)
    summary = cached("outcomes.feedback_summary", lambda: feedback_service.feedback_summary(current_user),
                     tables=FEEDBACK_TABLES)
    mentor_names = {}
    if page.items:
        mentor_names = dict(db.session.execute(
            select(MentorAssignment.student_id, User.display_name).join(User, User.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.student_id.in_({f.student_id for f in page.items}), MentorAssignment.kind == "primary")
        ).all())
    return render("outcomes/feedback.html", "outcomes/_feedback_rows.html", status=status, form=form, page=page,
                  measures=measures, summary=summary, mentor_names=mentor_names)
