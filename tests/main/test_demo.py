"""Demo data: deterministic, realistic, with the documented accounts."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.students.models import Student


def snapshot(app):
    with app.app_context():
        return db.session.execute(
            select(User.username, User.display_name, Student.student_no, Student.major)
            .join(Student, Student.user_id == User.id).order_by(User.username)
        ).all()


def test_demo_seed_creates_the_documented_accounts(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "120", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "demo-pass-123" in result.output
    with app.app_context():
        names = set(db.session.scalars(select(User.username)))
        assert {"admin", "mentor01", "alumni01", "student0001", "student0120"} <= names
        assert "student0121" not in names
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert admin.role == "admin" and admin.check_password("demo-pass-123")
        assert db.session.scalar(select(func.count(Student.id))) == 120
        majors = set(db.session.scalars(select(Student.major)))
        assert "临床医学" in majors and len(majors) > 5
        name = db.session.scalar(select(User.display_name).where(User.username == "student0001"))
        assert all("\u4e00" <= ch <= "\u9fff" for ch in name)


def test_demo_seed_is_deterministic(app, runner):
    runner.invoke(args=["demo", "seed", "--students", "50", "--seed", "11"])
    first = snapshot(app)
    from tests.conftest import _wipe

    _wipe(app)
    runner.invoke(args=["demo", "seed", "--students", "50", "--seed", "11"])
    assert snapshot(app) == first


def test_demo_seed_refuses_a_database_with_data(runner, users):
    result = runner.invoke(args=["demo", "seed", "--students", "10"])
    assert result.exit_code != 0
    assert "not empty" in result.output
    assert runner.invoke(args=["demo", "seed", "--if-empty"]).exit_code == 0


def test_demo_accounts_can_sign_in(app, runner, client):
    runner.invoke(args=["demo", "seed", "--students", "5"])
    response = client.post("/auth/login", data={"username": "student0001", "password": "demo-pass-123"})
    assert response.status_code == 302
    home = client.get("/student/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Student number" in home


def test_the_seed_leaves_postgresql_planner_statistics_and_sqlite_without(app, runner):
    from sqlalchemy import text

    result = runner.invoke(args=["demo", "seed", "--students", "60", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # the planner knows how many students there are without autovacuum's help
            analysed = db.session.execute(text(
                "SELECT reltuples FROM pg_class WHERE relname = 'students'")).scalar()
            assert analysed == 60
        else:
            # SQLite's list queries are written to be planned without statistics: none are made
            assert db.session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() == 0
