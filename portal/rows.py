"""Running statements that answer plain rows (selected columns, not ORM objects).

Session.execute() sets up the ORM's handling of every statement (entities, loader options,
identity map), about 50 µs a statement, which buys nothing when the rows are plain columns; a list
page runs half a dozen such statements. These run them on the session's own connection and
transaction instead, after flushing what the session holds, as Session.execute() would.
"""
from __future__ import annotations

from sqlalchemy import Row

from portal.extensions import db


def rows(stmt, params: dict | None = None) -> list[Row]:
    db.session.flush()
    return db.session.connection().execute(stmt, params or {}).all()


def scalar(stmt, params: dict | None = None):
    db.session.flush()
    return db.session.connection().execute(stmt, params or {}).scalar()
