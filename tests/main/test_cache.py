"""The one cache (portal.cache): a value is built once and kept, dropped by any committed change to the
tables it is read from (bulk Core statements included), never served to another viewer, and shared by
every app instance that shares Redis."""
from __future__ import annotations

import pytest
from flask_login import login_user
from sqlalchemy import func, insert, select, update

from portal import create_app
from portal.accounts.models import Role, User
from portal.cache import cached
from portal.extensions import db
from portal.students.models import HardshipClaim, Student
from tests import factories

REDIS_DB = 13  # this test's own database number: only it is ever flushed
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


class Counter:
    """cached() of the number of students, counting how often it is built."""

    def __init__(self):
        self.built = 0

    def __call__(self, name: str = "test.students", **options) -> int:
        def build() -> int:
            self.built += 1
            return db.session.scalar(select(func.count()).select_from(Student))

        return cached(name, build, tables=["students"], **options)


def _student_row(user_id: int, number: str) -> dict:
    return dict(user_id=user_id, student_no=number, college="临床医学院", major="临床医学", degree_level="bachelor",
                graduation_year=2027, cohort=2023)


# --- kept, and dropped by what changes its tables ---------------------------------------------------

def test_a_value_is_built_once_and_kept(app, make_student):
    make_student()
    count = Counter()
    with app.app_context():
        assert count() == 1
        assert count() == 1
        assert count() == 1
    with app.app_context():  # another request of the same process
        assert count() == 1
    assert count.built == 1


def test_a_committed_orm_change_drops_the_value(app, make_student):
    student = make_student()
    count = Counter()
    with app.app_context():
        assert count() == 1
        db.session.delete(db.session.get(Student, student.id))
        db.session.commit()
        assert count() == 0
    assert count.built == 2


def test_a_committed_bulk_core_insert_drops_the_value(app, make_user):
    """The roster import writes students with insert(Student.__table__): no ORM object is involved."""
    first, second = make_user(), make_user()
    count = Counter()
    with app.app_context():
        assert count() == 0
        db.session.execute(insert(Student.__table__), [_student_row(first.id, "20990001"),
                                                       _student_row(second.id, "20990002")])
        db.session.commit()
        assert count() == 2
    assert count.built == 2


def test_a_committed_bulk_core_update_drops_values_read_from_its_table(app, make_student):
    make_student(major="临床医学")
    built = []

    def majors():
        def build():
            built.append(1)
            return sorted(db.session.scalars(select(Student.major).distinct()))
        return cached("test.majors", build, tables=["students"])

    with app.app_context():
        assert majors() == ["临床医学"]
        db.session.execute(update(Student.__table__).values(major="麻醉学"))
        db.session.commit()
        assert majors() == ["麻醉学"]
        # and an ORM-enabled bulk update likewise
        db.session.execute(update(Student).values(major="儿科学"))
        db.session.commit()
        assert majors() == ["儿科学"]
    assert len(built) == 3


def test_a_change_to_another_table_keeps_the_value(app, make_student):
    student = make_student()
    count = Counter()
    with app.app_context():
        assert count() == 1
        db.session.add(HardshipClaim(student_id=student.id, category="disabled", source="self"))
        db.session.execute(update(User.__table__).values(locale="en"))
        db.session.commit()
        assert count() == 1
    assert count.built == 1


def test_an_uncommitted_change_is_seen_by_its_own_transaction_and_never_kept(app, make_user, make_student):
    make_student()
    user = make_user()
    count = Counter()
    with app.app_context():
        assert count() == 1
        db.session.execute(insert(Student.__table__), [_student_row(user.id, "20990003")])
        assert count() == 2  # read from the database, not the cache: the request sees its own change
        db.session.rollback()
        assert count() == 1  # the change never happened: the kept value still holds
    assert count.built == 2


def test_a_savepoint_does_not_drop_the_value_before_the_transaction_commits(app, make_user, make_student):
    make_student()
    user = make_user()
    count = Counter()
    with app.app_context():
        assert count() == 1
        with db.session.begin_nested():
            db.session.execute(insert(Student.__table__), [_student_row(user.id, "20990004")])
        with app.app_context():  # another request, between the savepoint and the commit
            assert count() == 1
        db.session.commit()
        assert count() == 2
    with app.app_context():
        assert count() == 2


def test_a_misspelt_table_is_refused(app):
    with app.app_context(), pytest.raises(KeyError):
        cached("test.typo", lambda: 1, tables=["student"])


# --- the viewer's scope is in the key ---------------------------------------------------------------

def test_a_value_is_never_served_to_another_viewer(app, make_user):
    admin, other_admin = make_user("admin"), make_user("admin")
    mentor, other_mentor = make_user("mentor"), make_user("mentor")

    def seen_by(user) -> str:
        with app.test_request_context():
            login_user(db.session.get(User, user.id))
            # what the value holds depends on who asked first: a shared key would show it to the others
            return cached("test.viewer", lambda: f"built for {user.username}", tables=["users"])

    assert seen_by(admin) == f"built for {admin.username}"
    assert seen_by(mentor) == f"built for {mentor.username}"
    assert seen_by(other_mentor) == f"built for {other_mentor.username}"
    assert seen_by(mentor) == f"built for {mentor.username}"
    # every administrator sees the same office-wide values
    assert seen_by(other_admin) == f"built for {admin.username}"
    with app.test_request_context():
        assert cached("test.viewer", lambda: "anonymous", tables=["users"]) == "anonymous"


def test_the_language_is_in_the_key(app, make_user):
    mentor = make_user("mentor")
    for language in ("zh", "en"):
        with app.test_request_context(headers={"Accept-Language": language}):
            login_user(db.session.get(User, mentor.id))
            assert cached("test.language", lambda: language, tables=["users"]) == language


# --- two app instances sharing Redis ------------------------------------------------------------------

@pytest.fixture
def two_apps(database_dir):
    redis = pytest.importorskip("redis")
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    server.flushdb()
    config = {"ENV_NAME": "testing", "REDIS_URL": REDIS_URL,
              "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(database_dir / "two-apps.sqlite")}
    first, second = create_app(config), create_app(config)
    with first.app_context():
        db.drop_all()
        db.create_all()
        assert first.config["CACHE_TYPE"] == "RedisCache"
    try:
        yield first, second
    finally:
        for each in (first, second):
            with each.app_context():
                db.session.remove()
                if each is first:
                    db.drop_all()
                db.engine.dispose()
        server.flushdb()
        server.close()


def test_a_change_made_through_one_app_is_read_at_once_through_the_other(two_apps):
    first, second = two_apps
    factories.make_student(first)
    count = Counter()
    with first.app_context():
        assert count() == 1
    with second.app_context():
        assert count() == 1
    assert count.built == 1  # built by the first, served from Redis to the second

    factories.make_student(second)  # an ORM commit in the second
    with first.app_context():
        assert count() == 2
    with second.app_context():
        new_user = factories.make_user(second)
        db.session.execute(insert(Student.__table__), [_student_row(new_user.id, "20990005")])
        db.session.commit()  # a bulk Core insert in the second
    with first.app_context():
        assert count() == 3
    with second.app_context():
        assert count() == 3
    assert count.built == 3


def test_two_apps_share_the_settings(two_apps):
    from portal import settings

    first, second = two_apps
    with first.app_context():
        assert settings.get("outcomes.min_group_size") == 5
    with second.app_context():
        settings.put("outcomes.min_group_size", 8)
        db.session.commit()
    with first.app_context():
        assert settings.get("outcomes.min_group_size") == 8


def test_roles_are_not_mixed_up_between_apps(two_apps):
    first, second = two_apps
    admin = factories.make_user(first, role=Role.ADMIN)
    mentor = factories.make_user(first, role=Role.MENTOR)
    with first.test_request_context():
        login_user(db.session.get(User, admin.id))
        assert cached("test.role", lambda: "office-wide", tables=["users"]) == "office-wide"
    with second.test_request_context():
        login_user(db.session.get(User, mentor.id))
        assert cached("test.role", lambda: "caseload", tables=["users"]) == "caseload"
