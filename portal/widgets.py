"""WTForms' markup for selects and lists of choices, written without its per-option machinery.

WTForms draws each option through a subfield and html_params (~0.1 ms an option when the field is
rendered, a few microseconds even through iter_choices); the list pages draw selects of 200 mentors
and every major. These functions write the same markup, character for character (tests compare
them with WTForms' own). A select whose choices are a tuple, which a feature can keep between
requests (a module constant, or a portal.kept value), has its options written once per language
and reused: only which option is selected is worked out per request.
"""
from __future__ import annotations

import threading

from markupsafe import Markup, escape
from wtforms.fields import SelectMultipleField
from wtforms.widgets import Select, html_params

from portal.i18n import translations

# (id of the choices tuple, coerce, id of the catalogue) → (the tuple, the catalogue, written options)
_WRITTEN: dict[tuple, tuple] = {}
_WRITTEN_LIMIT = 128
_LOCK = threading.Lock()


def _tag(value, label, selected: bool) -> str:
    value = str(value) if isinstance(value, bool) else value
    return f'<option {"selected " if selected else ""}value="{escape(value)}">{escape(value if label is None else label)}</option>'


class _Written:
    """A choices tuple's options, written once: each option plain and selected, and the values."""

    __slots__ = ("plain", "chosen", "values", "index", "usable")

    def __init__(self, field):
        choices = field.iter_choices()
        # options with their own attributes are WTForms' to draw
        self.usable = not any(c.render_kw for c in choices)
        self.values = [c.value for c in choices]
        self.plain = [_tag(c.value, c.label, False) for c in choices]
        self.chosen = [_tag(c.value, c.label, True) for c in choices]
        self.index: dict = {}
        for i, value in enumerate(self.values):
            self.index.setdefault(field.coerce(value), []).append(i)

    def html(self, field) -> str:
        data = field.data
        if isinstance(field, SelectMultipleField):
            picked = {i for i, value in enumerate(self.values) if field.coerce(value) in (data or ())}
        else:
            try:
                picked = self.index.get(data, ())
            except TypeError:  # data that cannot be a key (a list given to a single select)
                picked = [i for i, value in enumerate(self.values) if field.coerce(value) == data]
        if not picked:
            return "".join(self.plain)
        parts = list(self.plain)
        for i in picked:
            parts[i] = self.chosen[i]
        return "".join(parts)


def _written(field) -> _Written | None:
    """The field's options written once, when its choices are a tuple that may be kept; else None."""
    if not isinstance(field.choices, tuple):
        return None
    catalogue = translations()
    key = (id(field.choices), field.coerce, id(catalogue))
    entry = _WRITTEN.get(key)
    if entry is not None and entry[0] is field.choices and entry[1] is catalogue:
        return entry[2] if entry[2].usable else None
    written = _Written(field)
    with _LOCK:
        if len(_WRITTEN) >= _WRITTEN_LIMIT:
            _WRITTEN.clear()
        _WRITTEN[key] = (field.choices, catalogue, written)
    return written if written.usable else None


def options_html(field) -> Markup:
    """The <option> tags of a select field, as WTForms writes them."""
    written = _written(field)
    if written is not None:
        return Markup(written.html(field))
    return Markup("".join(_tag(c.value, c.label, c.selected) for c in field.iter_choices()))


def select_html(field, **kwargs) -> Markup:
    """What `field(**kwargs)` draws for a plain select, character for character.

    Anything unusual (another widget, option groups, options with their own attributes) is left to
    WTForms.
    """
    widget = field.widget
    if type(widget) is not Select or widget.multiple or field.has_groups():
        return field(**kwargs)
    if _written(field) is None and any(c.render_kw for c in field.iter_choices()):
        return field(**kwargs)
    if field.render_kw:
        kwargs = dict(field.render_kw, **kwargs)
    kwargs.setdefault("id", field.id)
    for flag in dir(field.flags):  # as the widget: the flags set by validators, not attribute lookups
        if flag in Select.validation_attrs and flag not in kwargs:
            kwargs[flag] = getattr(field.flags, flag)
    return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options_html(field)}</select>")


def pair_options_html(pairs, selected) -> Markup:
    """<option> tags for plain (value, label) pairs, as options_html writes them."""
    selected = selected or ""
    return Markup("".join(_tag(value, label, value == selected) for value, label in pairs))


def unselected_options_html(pairs) -> str:
    """<option> tags for (value, label) pairs with none selected: written once, then with_selected()."""
    return "".join(_tag(value, label, False) for value, label in pairs)


def with_selected(options: str, value) -> Markup:
    """unselected_options_html()'s tags as pair_options_html(pairs, value) writes them."""
    plain = f'<option value="{escape(value or "")}">'
    return Markup(options.replace(plain, f'<option selected value="{escape(value or "")}">', 1))


def check_items_html(field) -> Markup:
    """The <li> checkboxes of students/_macros.html's checks() for a field, in one Python loop (a Jinja
    loop costs ~10 µs a box; the regions alone are 31)."""
    field_id, name = escape(field.id), escape(field.name)
    return Markup("".join(
        f'<li><input type="checkbox" id="{field_id}-{i}" name="{name}" value="{escape(choice.value)}"'
        f'{" checked" if choice.selected else ""}> <label for="{field_id}-{i}">{escape(choice.label)}</label></li>'
        for i, choice in enumerate(field.iter_choices())
    ))


def choice_list_html(field, css_class: str) -> Markup:
    """A radio or checkbox list as WTForms' ListWidget writes it, byte for byte, without building
    a subfield per option (~0.1 ms each; a questionnaire has about 90). For optional fields only:
    it writes no validation attributes."""
    kind = "checkbox" if isinstance(field, SelectMultipleField) else "radio"
    name = escape(field.name)
    parts = [f'<ul class="{escape(css_class)}" id="{escape(field.id)}">']
    for i, choice in enumerate(field.iter_choices()):
        option_id = escape(f"{field.id}-{i}")
        parts.append(
            f'<li><input {"checked " if choice.selected else ""}id="{option_id}" name="{name}" type="{kind}" '
            f'value="{escape(choice.value)}"> <label for="{option_id}">{escape(choice.label or choice.value)}</label></li>'
        )
    parts.append("</ul>")
    return Markup("".join(parts))
