"""Figures kept per process for a few seconds: totals and filter lists that many page views read and
few changes touch.

A `Kept` holds values per database and key for `config[setting]` seconds (its default outside
tests; 0, nothing kept, in tests unless a test sets it). It names the models whose rows its values
are made from: a change to any of them that this process makes through the session (a flush, or
an insert/update/delete of that model executed in bulk) drops every value it holds at once, and
again when that change is committed (a value read by another request between the change and the
commit would be old). Changes made by another process show within the time set.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db

T = TypeVar("T")

_ALL: list[Kept] = []
# at most this many values per Kept; past it the oldest half is forgotten
_LIMIT = 256


class Kept:
    def __init__(self, setting: str, seconds: float, changed_by: Callable[[], tuple[type, ...]]):
        self.setting = setting
        self.default_seconds = seconds
        # a function, so that a Kept can be made at import time before the models it watches
        self._changed_by = changed_by
        self._models: tuple[type, ...] | None = None
        self._values: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()
        _ALL.append(self)

    def seconds(self) -> float:
        return float(current_app.config.get(self.setting, 0 if current_app.testing else self.default_seconds))

    def get(self, key: tuple, build: Callable[[], T]) -> T:
        """build()'s value for `key`, kept for the time set; built anew when older or dropped."""
        seconds = self.seconds()
        if seconds <= 0:
            return build()
        key = (db.engine.url, *key)
        now = time.monotonic()
        entry = self._values.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]  # type: ignore[return-value]
        value = build()
        with self._lock:
            if len(self._values) >= _LIMIT:
                for old in sorted(self._values, key=lambda k: self._values[k][0])[: _LIMIT // 2]:
                    del self._values[old]
            self._values[key] = (now + seconds, value)
        return value

    def drop(self) -> None:
        with self._lock:
            self._values.clear()

    def models(self) -> tuple[type, ...]:
        if self._models is None:
            self._models = self._changed_by()
        return self._models


def drop_all() -> None:
    for kept in _ALL:
        kept.drop()


def _drop(session: Session, changed: set[type]) -> None:
    dropped = [kept for kept in _ALL if any(issubclass(c, kept.models()) for c in changed)]
    for kept in dropped:
        kept.drop()
    if dropped:
        session.info.setdefault("kept_dropped", set()).update(dropped)


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances) -> None:
    changed = {type(o) for o in (*session.new, *session.dirty, *session.deleted)}
    if changed:
        _drop(session, changed)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    # insert(Model), update(Model), delete(Model) executed in bulk, outside the unit of work
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None:
        _drop(state.session, {state.bind_mapper.class_})


@event.listens_for(Session, "after_commit")
def _drop_again_on_commit(session) -> None:
    for kept in session.info.pop("kept_dropped", ()):
        kept.drop()


@event.listens_for(Session, "after_rollback")
def _forget_noted(session) -> None:
    session.info.pop("kept_dropped", None)
