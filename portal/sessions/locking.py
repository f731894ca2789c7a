"""Transactions that take a session's lock: registrations, their counters and the waitlist change
one transaction at a time per session, on SQLite and PostgreSQL."""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from portal.extensions import db
from portal.sessions.models import GroupSession

T = TypeVar("T")


def lock_session(session_id: int) -> GroupSession | None:
    """Lock the session's row until the transaction ends, and return it freshly read.

    PostgreSQL: SELECT … FOR UPDATE; other transactions wait for the row. SQLite has no row locks
    but serialises writers: an UPDATE of the row (changing nothing) as the first write of the
    transaction takes the database's write lock, so the reads that follow see the latest
    committed counters and nobody else can write until we commit. Counters and positions are
    therefore handed out one transaction at a time, in the order the lock was obtained.
    """
    stmt = (
        select(GroupSession)
        .where(GroupSession.id == session_id)
        .execution_options(populate_existing=True)
    )
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    else:
        db.session.execute(
            update(GroupSession)
            .where(GroupSession.id == session_id)
            .values(next_position=GroupSession.next_position)
            .execution_options(synchronize_session=False)
        )
    return db.session.scalar(stmt)


def _retryable(error: OperationalError) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "deadlock detected" in text or "could not serialize" in text


def commit_with_retries(work: Callable[[], T], *, attempts: int = 10) -> T:
    """Run work() and commit it as one transaction, for the routes whose writes take the session's
    lock. When SQLite answers "database is locked" (a writer held it longer than the busy timeout)
    the transaction is rolled back and run again from the start; any other error is re-raised
    after the rollback, so nothing is ever half-written."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            if attempt == attempts or not _retryable(error):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")
