"""The one cache: Flask-Caching, kept in-process (SimpleCache) or in Redis (REDIS_URL), scoped to the
viewer and dropped by committed changes to the tables a value is read from.

Every table has a generation (a random token kept in the cache). A value is stored under its name,
the viewer's scope, the language and its arguments, together with the generations of the tables it
was read from; it is served only while those are still the tables' generations, which one round trip
to the cache tells (the value and the generations are read together). A commit that wrote to a table
(through the ORM's unit of work, or a bulk insert/update/delete statement executed through the
session, such as the roster import's `insert(User.__table__)`) gives that table a new generation, so
every value read from it is built anew on its next use, in every process that shares the cache. The
generation moves after the database commit: a value built before it from the old rows is never
served again, and one built after it sees the new rows.

A request that has written to one of a value's tables and not yet committed reads it from the
database, not the cache, and does not store it: it sees its own change, and a change that is then
rolled back never reaches anyone else.

Writes made outside the session (another program, raw SQL on a connection, a restore) must call
tables_changed() themselves.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TypeVar

from flask import Flask, has_app_context, has_request_context
from flask_babel import get_locale
from flask_caching import Cache
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, object_mapper
from sqlalchemy.sql.dml import UpdateBase

from portal.extensions import db

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


def _generation_key(table: str) -> str:
    return f"table:{table}"


def _known_tables(tables: Iterable[str]) -> tuple[str, ...]:
    names = tuple(sorted(set(tables)))
    unknown = [name for name in names if name not in db.metadata.tables]
    if unknown:
        # a misspelt table would never drop the value
        raise KeyError(f"cached(): no table named {', '.join(unknown)}")
    return names


def _written_here(tables: tuple[str, ...]) -> bool:
    """True when this request's transaction has written to one of the tables (flushed or not yet)."""
    if not has_app_context():
        return False
    session = db.session()
    noted = session.info.get(_CHANGED)
    if noted and not noted.isdisjoint(tables):
        return True
    for obj in chain(session.new, session.dirty, session.deleted):
        if any(table.name in tables for table in object_mapper(obj).tables):
            return True
    return False


def cached(name: str, build: Callable[[], T], *, tables: Iterable[str], args: tuple = (),
           per_viewer: bool = True, timeout: int | None = None) -> T:
    """build()'s value, kept until a committed change touches one of `tables` (or `timeout` passes).

    `tables` names every table build() reads. `args` are what else the value depends on (filters,
    ids). The viewer's scope is added to the key unless `per_viewer` is False, which only a value
    the same for every viewer may say; the language always is, so translated labels can be kept too.
    Values must be picklable.
    """
    tables = _known_tables(tables)
    if _written_here(tables):
        return build()
    locale = str(get_locale() or "") if has_request_context() else ""
    scope = viewer_scope() if per_viewer else "all"
    key = "value:" + repr((name, scope, locale, args))
    generation_keys = [_generation_key(table) for table in tables]
    entry, *generations = cache.get_many(key, *generation_keys)
    if any(generation is None for generation in generations):
        generations = _start_generations(generation_keys, generations)
    current = tuple(generations)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = build()
    cache.set(key, (current, value), timeout=timeout)
    return value


def _start_generations(keys: list[str], found: list) -> list[str]:
    """Generations never seen (or forgotten by the cache): start ones nobody has built under. Another
    process may start the same table's at the same moment; whichever is stored first is used."""
    for key, value in zip(keys, found):
        if value is None:
            cache.add(key, uuid.uuid4().hex, timeout=0)
    generations = cache.get_many(*keys)
    # a cache that keeps nothing (NullCache) still answers: with a generation no value has
    return [value if value is not None else uuid.uuid4().hex for value in generations]


def tables_changed(names: Iterable[str]) -> None:
    """Move these tables to a new generation (called after a commit; also for writes made outside
    the session, such as a restore)."""
    keys = [_generation_key(name) for name in sorted(set(names))]
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=0)


def _note(session: Session, names: Iterable[str]) -> None:
    session.info.setdefault(_CHANGED, set()).update(names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    # (the session's new, dirty and deleted objects are still those the flush wrote)
    names: set[str] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        names.update(table.name for table in object_mapper(obj).tables)
    _note(session, names)


@event.listens_for(Session, "do_orm_execute")
def _bulk(state: ORMExecuteState) -> None:
    # insert/update/delete executed through the session, of a model or of a Core table alike
    statement = state.statement
    if isinstance(statement, UpdateBase):
        name = getattr(getattr(statement, "table", None), "name", None)
        if name:
            _note(state.session, [name])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is committed until the whole transaction is
    names = session.info.pop(_CHANGED, None)
    if names:
        try:
            tables_changed(names)
        except RuntimeError:
            # outside an application context (a script's own session): there is no cache to drop
            pass


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: what the transaction wrote before it is still to commit
    session.info.pop(_CHANGED, None)
