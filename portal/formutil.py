"""Helpers shared by every feature's forms."""
from __future__ import annotations

from collections.abc import Callable

from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]


def fixed(pairs) -> Callable[[], tuple[SelectChoice, ...]]:
    """`choices=` for a select whose options never change (their labels may be lazy translations):
    one tuple, made once."""
    kept = tuple(choices(pairs))
    return lambda: kept


def readable(form, field) -> None:
    """A validator put first: a value the field could not read (2.5 for a whole number) is told only
    that, not also that it is out of range. Nothing at all is left to InputRequired's message."""
    if field.process_errors and field.raw_data and str(field.raw_data[0]).strip():
        raise StopValidation()
