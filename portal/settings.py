"""Reading and writing office-wide settings, each with a default declared by the feature that owns it."""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from sqlalchemy import select

from portal.extensions import db
from portal.kept import Kept
from portal.main.models import Setting

DEFAULTS: dict[str, Any] = {}


def declare(key: str, default: Any) -> None:
    """A feature declares a setting and its default once, at import time."""
    if key in DEFAULTS and DEFAULTS[key] != default:
        raise RuntimeError(f"setting {key!r} declared twice with different defaults")
    DEFAULTS[key] = default


# Read on many pages, changed a few times a year: kept for SETTINGS_SECONDS (10 s; 0 in tests). A
# change made in this process shows at once; one made in another process within that time.
_KEPT = Kept("SETTINGS_SECONDS", 10, lambda: (Setting,))


def get(key: str) -> Any:
    return get_many(key)[key]


def get_many(*keys: str) -> dict[str, Any]:
    """Several settings in one query (a page showing a feature's settings reads them all)."""
    for key in keys:
        if key not in DEFAULTS:
            raise KeyError(f"undeclared setting {key!r}")
    values = _KEPT.get(keys, lambda: _read(keys))
    # a list or mapping handed out is the caller's own to change
    return {key: deepcopy(value) if isinstance(value, (list, dict)) else value for key, value in values.items()}


def _read(keys: tuple[str, ...]) -> dict[str, Any]:
    stored = dict(db.session.execute(select(Setting.key, Setting.value).where(Setting.key.in_(keys))).all())
    return {key: stored[key] if key in stored else DEFAULTS[key] for key in keys}


def put(key: str, value: Any, *, actor=None) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"undeclared setting {key!r}")
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_by_id = getattr(actor, "id", None)
    # read back before the change is flushed: the next read asks the database (and flushes first)
    _KEPT.drop()
