"""WTForms' select, drawn the same but cheaper, for the students pages' forms."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import Select, html_params


def select_html(field, **kwargs) -> Markup:
    """What `field(**kwargs)` draws for a plain select, character for character.

    WTForms inspects its option renderer's signature on every select and builds each option's
    attributes through html_params; a select of a dozen options costs ~0.3 ms that way. Anything
    unusual (another widget, a multiple select, option groups, options with their own attributes)
    is left to WTForms.
    """
    widget = field.widget
    if type(widget) is not Select or widget.multiple or field.has_groups():
        return field(**kwargs)
    choices = list(field._iter_choices_normalized())
    if any(choice.render_kw for choice in choices):
        return field(**kwargs)
    if field.render_kw:
        kwargs = dict(field.render_kw, **kwargs)
    kwargs.setdefault("id", field.id)
    for flag in dir(field.flags):  # as the widget: the flags set by validators, not attribute lookups
        if flag in Select.validation_attrs and flag not in kwargs:
            kwargs[flag] = getattr(field.flags, flag)
    options = []
    for choice in choices:
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        options.append(f'<option {selected}value="{escape(value)}">{label}</option>')
    return Markup(f"<select {html_params(name=field.name, **kwargs)}>{''.join(options)}</select>")


def check_items_html(field) -> Markup:
    """The <li> checkboxes of students/_macros.html's checks() for a field, in one Python loop (a Jinja
    loop costs ~10 µs a box; the regions alone are 31)."""
    field_id, name = escape(field.id), escape(field.name)
    return Markup("".join(
        f'<li><input type="checkbox" id="{field_id}-{i}" name="{name}" value="{escape(choice.value)}"'
        f'{" checked" if choice.selected else ""}> <label for="{field_id}-{i}">{escape(choice.label)}</label></li>'
        for i, choice in enumerate(field.iter_choices())
    ))
