"""Destinations, follow-up calls and the feedback channel: the students' page and the staff's pages."""
from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from portal import clock, policy
from portal.accounts.forms import EmptyForm
from portal.accounts.models import Role, User
from portal.extensions import db
from portal.htmx import render
from portal.i18n import gettext as _
from portal.outcomes import bp, services, surveys
from portal.outcomes import categories as cat
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
from portal.outcomes.services import OutcomeError
from portal.pagination import paginate
from portal.plans.paging import kept_total, paginate_rows
from portal.students.models import MentorAssignment, Student
from portal.students.services import caseload_student_ids, student_of_user


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


def own_student_or_404() -> Student:
    student = student_of_user(current_user)
    if student is None:
        abort(404)
    return student


_LABELS: dict[str, dict] = {}
# row links are built once per page and the id put in by the template: url_for is slow per row
PLACEHOLDER = 987654321


def labels() -> dict:
    """Label dictionaries the templates share, translated once per language and kept."""
    locale = str(get_locale())
    found = _LABELS.get(locale)
    if found is None:
        found = _LABELS[locale] = _translated_labels()
    return found


def _translated_labels() -> dict:
    return {
        "category_labels": {k: str(v) for k, v in cat.CATEGORY_LABELS.items()},
        "category_codes": {c.key: c.code for c in cat.CATEGORIES},
        "unit_labels": {k: str(v) for k, v in cat.UNIT_NATURE_LABELS.items()},
        "industry_labels": {k: str(v) for k, v in cat.INDUSTRY_LABELS.items()},
        "level_labels": {k: str(v) for k, v in cat.HOSPITAL_LEVEL_LABELS.items()},
        "post_labels": {k: str(v) for k, v in cat.POST_TYPE_LABELS.items()},
        "relation_labels": {k: str(v) for k, v in cat.RELATION_LABELS.items()},
        "salary_labels": {k: str(v) for k, v in cat.SALARY_LABELS.items()},
        "source_labels": {k: str(v) for k, v in cat.SOURCE_LABELS.items()},
        "result_labels": {k: str(v) for k, v in services.FOLLOW_UP_RESULT_LABELS.items()},
        "channel_labels": {k: str(v) for k, v in services.FOLLOW_UP_CHANNEL_LABELS.items()},
        "status_labels": {k: str(v) for k, v in services.OUTCOME_STATUS_LABELS.items()},
        "all_colleges": _("All colleges"),
        "ph": str(PLACEHOLDER),
        "category_options": [("", _("All destinations")), ("none", _("No destination recorded"))]
        + [(c.key, str(c.label)) for c in cat.CATEGORIES],
        "verified_options": [("", _("All")), ("pending", _("Waiting for confirmation")), ("verified", _("Confirmed"))],
    }


def _field_error(form, error: OutcomeError) -> None:
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
    student = own_student_or_404()
    policy.require("outcomes.own", student)
    measures = services.measures_received(student)
    given = services.feedback_of(student)
    history = services.destination_history(student)
    return render_template(
        "outcomes/me.html", student=student, current=next((d for d in history if d.is_current), None),
        history=history, open_surveys=surveys.surveys_for(student),
        measures=measures, given=given, **labels(),
    )


@bp.route("/me/destination", methods=["GET", "POST"])
@login_required
def report_destination():
    policy.require("outcomes.student")
    student = own_student_or_404()
    policy.require("destination.report_own", student)
    current = services.current_destination(student)
    form = StudentDestinationForm(obj=current) if request.method == "GET" and current else StudentDestinationForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.record_destination(student, actor=current_user, source="student", **form.destination_values())
            db.session.commit()
        except OutcomeError as error:
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
    measure = services.load_measure(measure_type, measure_id)
    if measure is None:
        abort(404)
    policy.require("feedback.give", measure)
    student = own_student_or_404()
    existing = services.feedback_of(student).get((measure_type, measure_id))
    if request.method == "GET" and existing:
        form = FeedbackForm(rating=str(existing.rating), comment=existing.comment)
    else:
        form = FeedbackForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.give_feedback(student, measure, rating=form.rating.data, comment=form.comment.data)
            db.session.commit()
        except OutcomeError as error:
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
    current = services.current_destination(student)
    form = DestinationForm(obj=current, formdata=None) if request.method == "GET" and current else DestinationForm()
    if request.method == "GET":
        form.verified.data = False
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.record_destination(student, actor=current_user, source="mentor" if current_user.role == Role.MENTOR else "office",
                                            verified=form.verified.data, **form.destination_values())
                db.session.commit()
            except OutcomeError as error:
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
        history=services.destination_history(student),
        follow_ups=services.follow_ups_of(student) if can_record else [],
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
        services.verify_destination(destination, actor=current_user)
        db.session.commit()
    except OutcomeError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Destination confirmed."), "success")
    back = request.form.get("back")
    if back == "list":
        return redirect(url_for("outcomes.destinations", verified="pending"))
    return redirect(url_for("outcomes.student_destination", student_id=destination.student_id))


def _scope_students(stmt):
    """A mentor sees their caseload; the office everyone."""
    if current_user.role == Role.MENTOR:
        return stmt.where(Student.id.in_(caseload_student_ids(current_user)))
    return stmt


def _colleges() -> list[str]:
    from portal.reports.stats import filter_choices

    return filter_choices(None)[1]


def _class_totals(scope: Scope):
    """The class's totals, by the one rate function, kept with the dashboard's cached figures."""
    from portal.reports.stats import cached

    return cached(("totals", scope), lambda: destination_rates(scope).all())


@bp.route("/destinations")
@login_required
def destinations():
    policy.require("destinations.list")
    form = DestinationFilterForm(request.args)
    form.college.choices = [("", "")] + [(c, c) for c in _colleges()]
    status = 200 if form.validate() else 400
    year = form.year.data if status == 200 and form.year.data else season_year()
    form.year.data = year
    # only the columns the list shows, as plain rows (no ORM objects); the count names no columns
    where = [Student.graduation_year == year]
    if current_user.role == Role.MENTOR:
        where.append(Student.id.in_(caseload_student_ids(current_user)))
    joined = False
    if status == 200:
        if form.college.data:
            where.append(Student.college == form.college.data)
        # only a filter on the destination needs the join
        joined = bool(form.category.data or form.verified.data)
        if form.category.data == "none":
            where.append(Destination.id.is_(None))
        elif form.category.data:
            where.append(Destination.category == form.category.data)
        if form.verified.data == "pending":
            where.extend((Destination.id.is_not(None), Destination.verified == False))  # noqa: E712
        elif form.verified.data == "verified":
            where.append(Destination.verified == True)  # noqa: E712
        if form.q.data:
            term = form.q.data.strip()
            where.append(or_(Student.student_no == term, User.display_name.contains(term)))
    rows = (select(Student.id, Student.student_no, Student.college, Student.major, User.display_name)
            .join(User, User.id == Student.user_id))
    count = select(func.count(Student.id)).select_from(Student)
    if status == 200 and form.q.data:
        count = count.join(User, User.id == Student.user_id)
    if joined:
        on = and_(Destination.student_id == Student.id, Destination.is_current == True)  # noqa: E712
        rows, count = rows.outerjoin(Destination, on), count.outerjoin(Destination, on)
    # by id: the class index already holds that order, so no sort of the whole class
    count = count.where(*where)
    total = None
    if not (joined or (status == 200 and form.q.data)):
        # the class (or one college of it): counting 17,000 students reads the whole class index, so
        # the count is kept a few seconds, dropped at once by changes to students or caseloads
        college = form.college.data if status == 200 else None
        total = kept_total(("destinations", year, college or "",
                            current_user.id if current_user.role == Role.MENTOR else None), count)
    page = paginate_rows(rows.where(*where).order_by(Student.id), count=count, total=total, per_page=50)
    current = {d.student_id: d for d in db.session.execute(
        select(Destination.id, Destination.student_id, Destination.category, Destination.employer,
               Destination.decided_on, Destination.verified)
        .where(Destination.student_id.in_([s.id for s in page.items]), Destination.is_current == True))}  # noqa: E712
    scope = Scope(years=(year,), mentor_id=current_user.id if current_user.role == Role.MENTOR else None)
    totals = _class_totals(scope)
    return render("outcomes/destinations.html", "outcomes/_destination_rows.html", status=status, form=form,
                  page=page, current=current, year=year, totals=totals, colleges=_colleges(), **labels())


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
    stmt = services.follow_up_query(viewer=current_user, year=year, group=group, mentor_id=mentor_id)
    page = paginate(stmt, per_page=50)
    rows = services.follow_up_rows(page.items)
    scope = Scope(years=(year,), mentor_id=current_user.id if not is_admin else mentor_id)
    totals = _class_totals(scope)
    return render("outcomes/follow_ups.html", "outcomes/_follow_up_rows.html", status=status, form=form, page=page,
                  rows=rows, year=year, group=group, totals=totals, is_admin=is_admin,
                  graduated=year <= graduated_years(),
                  student_href=url_for("outcomes.student_destination", student_id=PLACEHOLDER),
                  call_href=url_for("outcomes.log_follow_up", student_id=PLACEHOLDER), **labels())


def _local_noon(day) -> datetime:
    return clock.moment_of_day(day)


@bp.route("/follow-ups/<int:student_id>", methods=["GET", "POST"])
@login_required
def log_follow_up(student_id: int):
    student = get_student_or_404(student_id)
    policy.require("followup.log", student)
    form = FollowUpForm()
    status = 200
    if form.validate_on_submit():
        occurred = _local_noon(form.occurred_on.data) if form.occurred_on.data else None
        try:
            services.log_follow_up(
                student, author=current_user, result=form.result.data, channel=form.channel.data,
                notes=form.notes.data, occurred_at=occurred, destination=form.destination_values(),
                verified=form.verified.data,
            )
            db.session.commit()
        except OutcomeError as error:
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
        "outcomes/follow_up_form.html", form=form, student=student, current=services.current_destination(student),
        history=services.follow_ups_of(student), **labels(),
    ), status


# --- the feedback channel, per measure ------------------------------------------------------------

@bp.route("/feedback")
@login_required
def feedback():
    policy.require("feedback.view")
    form = FeedbackFilterForm(request.args)
    status = 200 if form.validate() else 400
    rating = int(form.rating.data) if status == 200 and form.rating.data else None
    rows, count = services.feedback_query(current_user, rating=rating)
    page = paginate_rows(rows, count=count, per_page=30)
    measures = services.measures_of(page.items)
    from portal.reports.stats import cached

    summary = cached(("feedback", current_user.id if current_user.role == Role.MENTOR else None),
                     lambda: services.feedback_summary(current_user))
    mentor_names = {}
    if page.items:
        mentor_names = dict(db.session.execute(
            select(MentorAssignment.student_id, User.display_name).join(User, User.id == MentorAssignment.mentor_id)
            .where(MentorAssignment.student_id.in_({f.student_id for f in page.items}), MentorAssignment.kind == "primary")
        ).all())
    return render("outcomes/feedback.html", "outcomes/_feedback_rows.html", status=status, form=form, page=page,
                  measures=measures, summary=summary, mentor_names=mentor_names)

