"""The Flask extensions, created once and initialised by the app factory."""
from __future__ import annotations

import sqlite3

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_username_key() -> str:
    """Rate-limit key for login attempts against one account, whatever the address."""
    return "user:" + (request.form.get("username") or "").strip().lower()[:150]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 32 MB of page cache per connection instead of SQLite's 2 MB: a class of 20,000 students is
        # ~100 MB on disk, and list pages join its tables (measured ~3x faster on those joins)
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()


def refresh_statistics() -> None:
    """After a bulk load (the demo seed), tell PostgreSQL's planner what the tables now hold.

    Without statistics it plans as if every table were small: on the demo class of 20,000 the
    support-plan list took 30x /healthz instead of 8x until autovacuum, which may be off or minutes
    away, analysed the tables. SQLite's list queries are written to need no statistics, and an
    ANALYZE there would change their plans: nothing is done for it.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
