"""select_html draws exactly what WTForms draws for a select, only cheaper."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from portal.students.forms import AssignForm, ClaimForm
from portal.students.widgets import select_html


def test_select_html_matches_wtforms_character_for_character(app):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        blank = ClaimForm(formdata=None)
        chosen = ClaimForm(formdata=MultiDict({"category": "orphan", "source": "counselor", "level": "special"}))
        chosen.validate()
        for form in (blank, chosen):
            for field in (form.category, form.level, form.source):
                assert select_html(field) == field()
                extra = {"autofocus": False, "aria-invalid": "true", "aria-describedby": f"{field.id}-error"}
                assert select_html(field, **extra) == field(**extra)
        assert 'selected value="orphan"' in select_html(chosen.category)
        mentors = AssignForm(formdata=None)
        mentors.mentor.choices = [("7", 'A "quoted" <name>'), ("8", "乙")]
        assert select_html(mentors.mentor, class_="wide") == mentors.mentor(class_="wide")
