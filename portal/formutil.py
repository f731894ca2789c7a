"""Helpers shared by every feature's forms."""
from __future__ import annotations

from collections.abc import Callable

from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]


_WTFORMS_TRANSLATIONS: dict[str, object] = {}


def _cached_wtforms_translations():
    """WTForms' own messages (field required, invalid e-mail…) in the reader's language.

    Flask-WTF reads the catalogue from disk on every request; it never changes while the
    process runs, so one copy per language is kept.
    """
    from babel import support
    from flask import request
    from flask_babel import get_locale
    from wtforms.i18n import messages_path

    if not request:
        return None
    locale = str(get_locale())
    translations = _WTFORMS_TRANSLATIONS.get(locale)
    if translations is None:
        translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
        _WTFORMS_TRANSLATIONS[locale] = translations
    return translations


def install_translation_cache() -> None:
    import flask_wtf.i18n

    flask_wtf.i18n._get_translations = _cached_wtforms_translations


def fixed(pairs) -> Callable[[], tuple[SelectChoice, ...]]:
    """`choices=` for a select whose options never change (their labels may be lazy translations):
    one tuple, made once, whose options portal.widgets writes once per language."""
    kept = tuple(choices(pairs))
    return lambda: kept


def readable(form, field) -> None:
    """A validator put first: a value the field could not read (2.5 for a whole number) is told only
    that, not also that it is out of range. Nothing at all is left to InputRequired's message."""
    if field.process_errors and field.raw_data and str(field.raw_data[0]).strip():
        raise StopValidation()
