"""select_html draws exactly what WTForms draws for a select, only cheaper."""
from __future__ import annotations

from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal.students.forms import AssignForm, ClaimForm
from portal.widgets import select_html


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


def test_check_items_html_draws_the_checks_macro_boxes(app):
    from portal.students.forms import IntentionsForm
    from portal.widgets import check_items_html

    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = IntentionsForm(formdata=None, regions=["贵州", "云南"], hospital_levels=[])
        rendered = app.jinja_env.from_string(
            '{% autoescape true %}{% for c in f.iter_choices() %}<li><input type="checkbox" id="{{ f.id }}-{{ loop.index0 }}" name="{{ f.name }}" '
            'value="{{ c.value }}"{% if c.selected %} checked{% endif %}> <label for="{{ f.id }}-{{ loop.index0 }}">'
            '{{ c.label }}</label></li>{% endfor %}{% endautoescape %}'
        )
        for field in (form.regions, form.hospital_levels, form.post_types):
            assert check_items_html(field) == rendered.render(f=field)
        assert 'value="贵州" checked>' in check_items_html(form.regions)


def test_kept_choices_are_written_once_per_language_and_select_per_request(app):
    from portal.formutil import choices
    from portal.i18n import lazy_gettext as _l
    from portal.students.forms import LedgerFilterForm
    from portal.widgets import _WRITTEN, options_html

    kept = tuple(choices([("", _l("All colleges")), ("临床医学院", "临床医学院"), ("药学院", "药学院")]))
    drawn = {}
    for lang, picked in (("en", None), ("zh", "药学院"), ("en", "临床医学院"), ("zh", None)):
        with app.test_request_context(headers={"Accept-Language": lang}):
            form = LedgerFilterForm(formdata=MultiDict({"college": picked} if picked else {}))
            form.college.choices = kept
            form.validate()
            assert select_html(form.college) == form.college()
            assert form.college() == Markup(f'<select id="college" name="college">{options_html(form.college)}</select>')
            drawn[(lang, picked)] = str(options_html(form.college))
    assert drawn[("en", None)].startswith('<option value="">All colleges</option>')
    assert drawn[("zh", None)].startswith('<option value="">全部学院</option>')
    assert '<option selected value="药学院">' in drawn[("zh", "药学院")] and "selected" not in drawn[("zh", None)]
    assert '<option selected value="临床医学院">' in drawn[("en", "临床医学院")]
    assert sum(1 for entry in _WRITTEN.values() if entry[0] is kept) == 2  # once per language


def test_options_written_once_then_selected_match_those_written_each_time():
    from portal.widgets import pair_options_html, unselected_options_html, with_selected

    pairs = (("", "All hosts"), ("7", 'A "quoted" <name>'), ("8", "乙"), ("18", "丙"))
    written = unselected_options_html(pairs)
    assert "selected" not in written
    for value in (None, "", "7", "8", "18", "99"):
        assert with_selected(written, value) == pair_options_html(pairs, value)
