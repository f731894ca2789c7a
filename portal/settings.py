"""Reading and writing office-wide settings, each with a default declared by the feature that owns it."""
from __future__ import annotations

from typing import Any

from portal.extensions import db
from portal.main.models import Setting

DEFAULTS: dict[str, Any] = {}


def declare(key: str, default: Any) -> None:
    """A feature declares a setting and its default once, at import time."""
    if key in DEFAULTS and DEFAULTS[key] != default:
        raise RuntimeError(f"setting {key!r} declared twice with different defaults")
    DEFAULTS[key] = default


def get(key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"undeclared setting {key!r}")
    row = db.session.get(Setting, key)
    return DEFAULTS[key] if row is None else row.value


def get_many(*keys: str) -> dict[str, Any]:
    """Several settings in one query (a page showing a feature's settings reads them all)."""
    for key in keys:
        if key not in DEFAULTS:
            raise KeyError(f"undeclared setting {key!r}")
    from sqlalchemy import select

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
