"""What the jobs templates repeat on every row, prepared once per request: labels and widgets."""
from __future__ import annotations

from flask import g
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.i18n import lazy_gettext as _l
from portal.i18n import translations
from portal.jobs import vocab
from portal.templating import IdUrl

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


def _per_language(name: str) -> dict:
    """A dict kept for the rest of the request, and renewed when the language changes (force_locale)."""
    catalogue = translations()
    kept = g.get(name)
    if kept is None or kept[0] is not catalogue:
        kept = (catalogue, {})
        setattr(g, name, kept)
    return kept[1]


class LabelTables:
    """Every vocabulary's labels in one language, each translated at its first use:
    `JL.level["3a"]` in a template is `"3a"|job_label("level")`, without a filter call per row."""

    def __getattr__(self, kind: str) -> dict[str, str]:
        if kind not in LABEL_TABLES:
            raise AttributeError(kind)
        table = _Labels((code, str(label)) for code, label in LABEL_TABLES[kind].items())
        setattr(self, kind, table)
        return table


def label_tables() -> LabelTables:
    kept = _per_language("job_labels")
    tables = kept.get("tables")
    if tables is None:
        tables = kept["tables"] = LabelTables()
    return tables


def labels(kind: str) -> dict[str, str]:
    """The labels of one vocabulary in the reader's language."""
    return getattr(label_tables(), kind)


# Words every card or row of a list repeats, translated once per request. Templates write
# `{{ JW.grassroots }}` for `{{ _("Grassroots") }}` and `{{ JW.closes|format(date=d) }}` for
# `{{ _("Closes %(date)s", date=d) }}`: the same Markup as Jinja's gettext (the translation is trusted,
# the values are escaped), without looking the catalogue up again on every row.
REPEATED = {
    "saved": _l("Saved"), "any_major": _l("Any major"), "or_above": _l("%(degree)s or above"),
    "grassroots": _l("Grassroots"), "emerging": _l("Emerging field"), "closes": _l("Closes %(date)s"),
    "match_score": _l("Match score"), "score": _l("Score %(n)d"), "save": _l("Save"),
    "unsave": _l("Saved ✓ — remove"), "edit": _l("Edit"), "close": _l("Close"), "publish": _l("Publish"),
}


def repeated_words() -> dict[str, Markup]:
    words = _per_language("job_words")
    if not words:
        words.update((key, Markup(str(label))) for key, label in REPEATED.items())
    return words


# Per-posting and per-student links, built from one url_for() each per request: `ju("save", 7)`.
URLS = {
    "posting": ("jobs.posting", "posting_id"), "save": ("jobs.save", "posting_id"),
    "unsave": ("jobs.unsave", "posting_id"), "dismiss": ("jobs.dismiss", "posting_id"),
    "refer": ("jobs.refer", "posting_id"), "edit": ("jobs.posting_edit", "posting_id"),
    "status": ("jobs.posting_status", "posting_id"), "student": ("jobs.student", "student_id"),
}


def job_url(name: str, object_id: int) -> str:
    made = g.get("job_urls")
    if made is None:
        made = g.job_urls = {}
    maker = made.get(name)
    if maker is None:
        maker = made[name] = IdUrl(*URLS[name])
    return maker(object_id)


def init_blueprint(bp) -> None:
    @bp.context_processor
    def _words():
        return {"JW": repeated_words(), "JL": label_tables(), "ju": job_url, "csrf": generate_csrf()}

