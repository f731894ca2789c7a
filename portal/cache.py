"""The one cache: Flask-Caching, kept in-process (SimpleCache) or in Redis (REDIS_URL), scoped to the
viewer and dropped by committed changes to the tables a value is read from.

A value is stored under its name, the viewer's scope, the language and the current generation of
every table it is read from. A commit that wrote to a table (through the ORM's unit of work or a
bulk insert/update/delete statement executed through the session) moves that table to a new
generation, so every value read from it is built anew on its next use, in every process that shares
the cache. The generation moves after the database commit: a value built before it from the old rows
is never found again, and one built after it sees the new rows.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, has_request_context
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, object_mapper
from sqlalchemy.sql.dml import UpdateBase

T = TypeVar("T")

cache = Cache()

_CHANGED = "medpath_changed_tables"


def init_app(app: Flask) -> None:
    if not app.config.get("CACHE_TYPE"):
        if app.config.get("REDIS_URL"):
            app.config["CACHE_TYPE"] = "RedisCache"
            app.config.setdefault("CACHE_REDIS_URL", app.config["REDIS_URL"])
        else:
            app.config["CACHE_TYPE"] = "SimpleCache"
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 300)
    # the in-process cache forgets its oldest values past this many (Redis keeps by its own policy)
    app.config.setdefault("CACHE_THRESHOLD", 20000)
    app.config.setdefault("CACHE_KEY_PREFIX", "medpath:")
    cache.init_app(app)


def viewer_scope() -> str:
    """Who may see a value: every administrator sees the same office-wide figures; anyone else sees
    only what their own role and id allow."""
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return "anonymous"
    if current_user.role == "admin":
        return "admin"
    return f"{current_user.role}:{current_user.id}"


def _generation_keys(tables: Iterable[str]) -> list[str]:
    return [f"table:{name}" for name in sorted(set(tables))]


def _generations(tables: Iterable[str]) -> tuple[str, ...]:
    keys = _generation_keys(tables)
    values = cache.get_many(*keys) if keys else []
    found = []
    for key, value in zip(keys, values):
        if value is None:
            # a generation never seen (or forgotten by the cache): start one nobody has built under
            cache.add(key, uuid.uuid4().hex, timeout=0)
            value = cache.get(key)
        found.append(str(value))
    return tuple(found)


def cached(name: str, build: Callable[[], T], *, tables: Iterable[str], args: tuple = (),
           per_viewer: bool = True, timeout: int | None = None) -> T:
    """build()'s value, kept until a committed change touches one of `tables` (or `timeout` passes).

    `args` are what else the value depends on (filters, ids). The viewer's scope is added to the key
    unless `per_viewer` is False, which only a value the same for every viewer may say; the
    language always is, so translated labels can be kept too.
    """
    tables = tuple(tables)
    locale = str(get_locale() or "") if has_request_context() else ""
    scope = viewer_scope() if per_viewer else "all"
    key = repr((name, scope, locale, args, _generations(tables)))
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=timeout)
    return value


def tables_changed(names: Iterable[str]) -> None:
    """Move these tables to a new generation (called after a commit; also for writes made outside
    the session, such as a restore)."""
    keys = _generation_keys(names)
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=0)


def _note(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault(_CHANGED, set()).update(names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    names: set[str] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        names.update(table.name for table in object_mapper(obj).tables)
    _note(session, names)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase):
        table = getattr(statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            _note(state.session, [name])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    names = session.info.pop(_CHANGED, None)
    if names:
        try:
            tables_changed(names)
        except RuntimeError:
            # outside an application context (a script's own session): there is no cache to drop
            pass


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
