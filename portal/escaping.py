"""Escaping for markup written in Python with f-strings (the rows of long lists).

markupsafe.escape() returns a Markup object, allocated and checked on every call; a list row
escapes a dozen values and a page draws fifty rows. esc() gives the same text as a plain str.
"""
from __future__ import annotations

try:
    from markupsafe._speedups import _escape_inner
except ImportError:  # markupsafe without its C speedups, or a future layout
    try:
        from markupsafe._native import _escape_inner
    except ImportError:
        from markupsafe import escape as _escape

        def _escape_inner(text: str) -> str:
            return str(_escape(text))


def esc(value) -> str:
    """str(markupsafe.escape(value)): HTML-escaped text, or the markup of a value that is already
    safe (a Markup, a lazy translation wrapped as one)."""
    if value.__class__ is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return html()
    return _escape_inner(str(value))
