"""What the jobs templates repeat on every row, prepared once per request: labels and widgets."""
from __future__ import annotations

from flask import g
from markupsafe import Markup, escape

from portal.jobs import vocab

LABEL_TABLES = {
    "level": vocab.HOSPITAL_LEVELS, "nature": vocab.UNIT_NATURES, "grassroots": vocab.GRASSROOTS_TYPES,
    "post_type": vocab.POST_TYPES, "degree": vocab.DEGREES, "licence": vocab.LICENCES,
    "emerging": vocab.EMERGING_FIELDS, "status": vocab.STATUSES, "stage": vocab.APPLICATION_STAGES,
    "reason": vocab.DISMISS_REASONS,
}


class _Labels(dict):
    """One vocabulary's labels in the reader's language; an unknown code reads as itself (as vocab.label)."""

    def __missing__(self, code):
        return code or ""


def labels(kind: str) -> dict[str, str]:
    """The labels of one vocabulary, translated at their first use in the request."""
    cache = g.get("job_labels")
    if cache is None:
        cache = g.job_labels = {}
    table = cache.get(kind)
    if table is None:
        table = cache[kind] = _Labels((code, str(label)) for code, label in LABEL_TABLES[kind].items())
    return table


def select_html(field) -> Markup:
    """A select field written out as WTForms writes it (`<select id name>`, then `<option selected
    value>`), without its per-option attribute machinery (about 0.1 ms per option): the postings
    filter holds a hundred options. Anything more than plain options (groups, attributes, required)
    is left to WTForms."""
    choices = field.iter_choices()
    flags = field.flags
    if field.has_groups() or flags.required or flags.disabled or any(choice.render_kw for choice in choices):
        return field()
    options = "".join(
        f'<option {"selected " if choice.selected else ""}value="{escape(choice.value)}">'
        f'{escape(choice.label or choice.value)}</option>'
        for choice in choices
    )
    return Markup(f'<select id="{escape(field.id)}" name="{escape(field.name)}">{options}</select>')


def init_blueprint(bp) -> None:
    @bp.app_template_global("job_select")
    def _select(field) -> Markup:
        return select_html(field)
