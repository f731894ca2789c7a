"""Fixtures: one app per run, a clean database per test (a rolled-back transaction), clients signed in as each role."""
from __future__ import annotations

import os
import tempfile
import threading
import time

# The server's own clock zone must never decide what "today" is for the office (Asia/Shanghai):
# run the tests twenty hours away from it, so a date taken from the server's clock shows up
# as a wrong day for most of the day instead of only after 16:00 UTC.
os.environ["TZ"] = "Etc/GMT+12"
time.tzset()
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_sqlalchemy.session import Session
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from portal import create_app
from portal.cache import cache
from portal.config import Config, database_url
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


def _engine_options(url: str) -> dict:
    options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    if url.startswith("postgresql"):
        # a test that waits on a lock fails after a minute instead of hanging the run (SQLite's
        # busy_timeout does the same): e.g. a second connection writing a row its own test's
        # uncommitted transaction holds
        options["connect_args"] = {"options": "-c lock_timeout=60000"}
    return options


@pytest.fixture(scope="session")
def database_dir():
    with tempfile.TemporaryDirectory(prefix="medpath-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def app(database_dir):
    url = _test_database_url(database_dir)
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(url)})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _delete_everything(conn) -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if conn.dialect.name == "postgresql":
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            conn.execute(text(f'DELETE FROM "{table}"'))


def _wipe(app) -> None:
    """Empty every table: after a test whose rows were committed for real, or, called by a test
    running in its rolled-back transaction, on that test's own connection."""
    with app.app_context():
        db.session.remove()
        if _rolled_back.connection is not None:
            with _rolled_back.connection.begin_nested() as savepoint:
                _delete_everything(savepoint.connection)
            return
        with db.engine.begin() as conn:
            _delete_everything(conn)


class _JoinedSession(Session):
    """A session of one test: every one of them (factories, requests, commands, app_ctx) runs on the
    test's connection, inside its outer transaction; a commit releases a savepoint."""

    def __init__(self, db, **kwargs):
        if threading.get_ident() != _rolled_back.thread:
            raise RuntimeError(
                "a test whose database is rolled back used it from another thread: one connection cannot "
                "serve two threads. Mark the test @pytest.mark.real_commits.")
        super().__init__(db, **kwargs)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


class _RolledBack:
    """The state of the test running in one rolled-back transaction (if any)."""

    thread: int | None = None
    connection = None
    other_connections = 0
    # the savepoints that stand for a session's own BEGIN ... COMMIT (not the app's begin_nested)
    joining_savepoints: set[str] = set()


_rolled_back = _RolledBack()


@event.listens_for(_JoinedSession, "after_begin")
def _note_joining_savepoint(session, transaction, connection) -> None:
    if transaction.parent is None and not transaction.nested:
        _rolled_back.joining_savepoints.add(connection.get_nested_transaction()._savepoint)


@event.listens_for(Pool, "checkout")
def _note_other_connection(dbapi_connection, connection_record, connection_proxy) -> None:
    # a connection taken from a pool while a test runs in its transaction did not see that test's
    # rows, and what it wrote is not rolled back: the database is wiped after such a test
    if _rolled_back.thread is not None:
        _rolled_back.other_connections += 1


def _begin_for_pysqlite(conn) -> None:
    conn.exec_driver_sql("BEGIN")


@contextmanager
def _in_a_rolled_back_transaction(app):
    """Indico's pattern: one connection and one outer transaction per test, rolled back at the end.

    pysqlite begins transactions on its own (and not before a SAVEPOINT): on this one connection it is
    told not to, and SQLAlchemy emits BEGIN itself (the recipe in SQLAlchemy's SQLite notes).
    """
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    pysqlite = connection.dialect.name == "sqlite"
    if pysqlite:
        driver = connection.connection.driver_connection
        driver.isolation_level = None
        event.listen(connection, "begin", _begin_for_pysqlite)
    outer = connection.begin()
    shared = db.session
    db.session = db._make_scoped_session(
        {"class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint"})
    _rolled_back.thread, _rolled_back.connection, _rolled_back.other_connections = threading.get_ident(), connection, 0
    _rolled_back.joining_savepoints = set()
    try:
        yield
    finally:
        # sessions of app contexts still pushed (a test that did not pop its own) are closed too
        joined, db.session = db.session, shared
        for session in list(joined.registry.registry.values()):
            session.close()
        _rolled_back.thread = _rolled_back.connection = None
        outer.rollback()
        if pysqlite:
            event.remove(connection, "begin", _begin_for_pysqlite)
            driver.isolation_level = ""
        connection.close()
    if _rolled_back.other_connections:
        _wipe(app)


def _needs_real_commits(request) -> bool:
    """Tests whose rows other connections must see: threads (each with its own connection), a
    server thread behind a browser, a second engine or process."""
    return request.node.get_closest_marker("real_commits") is not None or "live_server" in request.fixturenames


@pytest.fixture(autouse=True)
def _clean_database(request, app):
    limiter.reset()
    # a rolled-back change (or a wipe behind the session's back) leaves the tables' generations where
    # they were: values built from it would be found by the next test
    with app.app_context():
        cache.clear()
    if _needs_real_commits(request):
        yield
        _wipe(app)
    else:
        with _in_a_rolled_back_transaction(app):
            yield


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
        self.executed: list[str] = []

    @property
    def statements(self) -> list[str]:
        """What the app sent, as it would against a database of its own: the savepoints by which a
        session joins its test's transaction stand for a BEGIN and a COMMIT, which are not counted."""
        joining = _rolled_back.joining_savepoints
        return [s for s in self.executed
                if not (s.startswith(("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT "))
                        and s.rsplit(" ", 1)[-1] in joining)]

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
            counter.executed.append(statement)

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
