"""Fixtures: one app per run, a clean database per test, clients signed in as each role."""
from __future__ import annotations

import os
import tempfile
import time

# The server's own clock zone must never decide what "today" is for the office (Asia/Shanghai):
# run the tests twenty hours away from it, so a date taken from the server's clock shows up
# as a wrong day for most of the day instead of only after 16:00 UTC.
os.environ["TZ"] = "Etc/GMT+12"
time.tzset()
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, text

from portal import create_app
from portal.cache import cache
from portal.config import database_url
from portal.extensions import db, limiter
from tests import factories

from tests.sweep import ROLES  # noqa: E402


def pytest_sessionstart(session):
    """Compile the Chinese catalogue if it is missing or older than its source (make does this too)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from portal import ROOT

    po = ROOT / "portal" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        with mo.open("wb") as target:
            write_mo(target, catalog)


def _test_database_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_url(url)
    return "sqlite:///" + str(tmp_dir / "test.sqlite")


@pytest.fixture(scope="session")
def database_dir():
    with tempfile.TemporaryDirectory(prefix="medpath-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def app(database_dir):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": _test_database_url(database_dir)})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _wipe(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    limiter.reset()
    yield
    _wipe(app)
    with app.app_context():
        # the wipe deletes rows behind the session's back, which moves no table's generation
        cache.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_ctx(app):
    """For tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def make_user(app):
    def make(role: str = "student", **kwargs):
        return factories.make_user(app, role=role, **kwargs)

    return make


@pytest.fixture
def make_student(app):
    def make(**kwargs):
        return factories.make_student(app, **kwargs)

    return make


def sign_in(app, client, user) -> None:
    """Give the client a live session for the user, as a real sign-in would."""
    token = factories.open_session(app, user)
    with client.session_transaction() as session:
        session["sid"] = token
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


@pytest.fixture
def login(app):
    def do(client, user):
        sign_in(app, client, user)
        return client

    return do


@pytest.fixture
def users(app):
    """One active user of every role."""
    made = {role: factories.make_user(app, role=role, username=f"{role}-one") for role in ROLES}
    made["student_record"] = factories.attach_student(app, made["student"])
    return made


@pytest.fixture
def client_as(app, users):
    """client_as("mentor") → a test client signed in as that role's user."""

    def make(role: str):
        test_client = app.test_client()
        sign_in(app, test_client, users[role])
        return test_client

    return make


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counted: ... ; counted.count is the number of SQL statements."""

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def page_queries(app, count_queries):
    """page_queries(client, url) → (statements with nothing cached, statements with the cache warm)."""

    def measure(client, url, **kwargs) -> tuple[int, int]:
        with app.app_context():
            cache.clear()
        with count_queries() as cold:
            assert client.get(url, **kwargs).status_code == 200
        with count_queries() as warm:
            assert client.get(url, **kwargs).status_code == 200
        return cold.count, warm.count

    return measure
