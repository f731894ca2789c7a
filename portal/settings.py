"""Reading and writing office-wide settings, each with a default declared by the feature that owns it."""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from sqlalchemy import select

from portal.cache import cached
from portal.extensions import db
from portal.main.models import Setting

DEFAULTS: dict[str, Any] = {}


def declare(key: str, default: Any) -> None:
    """A feature declares a setting and its default once, at import time."""
    if key in DEFAULTS and DEFAULTS[key] != default:
        raise RuntimeError(f"setting {key!r} declared twice with different defaults")
    DEFAULTS[key] = default


def get(key: str) -> Any:
    return get_many(key)[key]


def get_many(*keys: str) -> dict[str, Any]:
    for key in keys:
        if key not in DEFAULTS:
            raise KeyError(f"undeclared setting {key!r}")
    stored = _stored()
    # a list or mapping handed out is the caller's own to change
    return {key: deepcopy(stored[key] if key in stored else DEFAULTS[key]) for key in keys}


def _stored() -> dict[str, Any]:
    """Every stored setting, in one cached dict: pages read settings on every request, and they
    change a few times a year (any change to the table drops the dict)."""
    return cached("settings", lambda: dict(db.session.execute(select(Setting.key, Setting.value)).all()),
                  tables=["settings"], per_viewer=False)


def put(key: str, value: Any, *, actor=None) -> None:
    if key not in DEFAULTS:
        raise KeyError(f"undeclared setting {key!r}")
    row = db.session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        db.session.add(row)
    row.value = value
    row.updated_by_id = getattr(actor, "id", None)
