"""The destination rate is computed one way: the Ministry's definition by default, configurable,
and the same for the dashboard, the follow-up lists and the caseload's outcome status."""
from __future__ import annotations

from datetime import date

from portal import settings
from portal.extensions import db
from portal.outcomes.rates import Scope, classify, destination_rates, graduated_years, season_year
from portal.outcomes.destinations import outcome_status
from tests.outcomes.helpers import assign, destination, hardship


def _class(app, make_student):
    """Six graduates of 2026: employed, residency, further study, not yet employed, not seeking, unknown;
    the first two and the unknown one in the support programme (one claim only pending)."""
    students = [make_student(graduation_year=2026) for _ in range(6)]
    for student, category in zip(students, ["agreement", "residency", "domestic_study", "awaiting", "not_seeking_study"]):
        destination(app, student, category, decided_on=None if category in ("awaiting", "not_seeking_study") else date(2026, 6, 1))
    hardship(app, students[0])
    hardship(app, students[1], "disabled")
    hardship(app, students[1], "orphan")
    hardship(app, students[5])
    hardship(app, students[3], status="pending")
    make_student(graduation_year=2027)  # another class, not counted
    return students


def test_the_ministry_definition_by_default(app, make_student):
    _class(app, make_student)
    with app.app_context():
        table = destination_rates(Scope(years=(2026,)))
        everyone, group = table.all(), table.group()
    assert (everyone.graduates, everyone.known, everyone.placed, everyone.nace_positive) == (6, 5, 3, 3)
    assert everyone.destination_rate == 0.5 and everyone.knowledge_rate == 5 / 6 and everyone.nace_rate == 3 / 5
    # the group: verified claims only; two categories count the student once
    assert (group.graduates, group.placed) == (3, 2)


def test_which_categories_count_is_a_setting(app, make_student):
    _class(app, make_student)
    with app.app_context():
        keys = [k for k in settings.get("outcomes.placed_categories") if k != "residency"]
        settings.put("outcomes.placed_categories", keys)
        db.session.commit()
        assert destination_rates(Scope(years=(2026,))).all().placed == 2
        assert classify("residency") == "not_counted" and classify("agreement") == "placed"


def test_rates_by_hardship_category_count_a_student_in_each(app, make_student):
    _class(app, make_student)
    from portal.students.models import HardshipClaim

    with app.app_context():
        table = destination_rates(Scope(years=(2026,)), by=[HardshipClaim.category], hardship_categories=True)
        by = {key[0]: table.group(key) for key in table.keys()}
    assert by["disabled"].placed == 1 and by["orphan"].placed == 1 and by["poverty_alleviated"].graduates == 2


def test_the_caseload_status_follows_the_same_rule(app, make_student, make_user):
    students = _class(app, make_student)
    with app.app_context():
        status = outcome_status([s.id for s in students])
    assert [status[s.id] for s in students] == ["placed", "placed", "placed", "seeking", "not_seeking", "unknown"]
    mentor = make_user("mentor")
    for s in students[:4]:
        assign(app, mentor, s)
    with app.app_context():
        caseload = destination_rates(Scope(years=(2026,), mentor_id=mentor.id)).all()
        assert (caseload.graduates, caseload.placed) == (4, 3)
        assert sum(1 for v in outcome_status([s.id for s in students[:4]]).values() if v == "placed") == caseload.placed


def test_the_season_turns_in_july(app_ctx):
    assert graduated_years(date(2026, 6, 30)) == 2025 and graduated_years(date(2026, 7, 1)) == 2026
    assert season_year(date(2026, 11, 25)) == 2027
