"""The demo seed fills profiles, caseloads, the ledger and interventions realistically and deterministically."""
from __future__ import annotations

from sqlalchemy import distinct, func, select

from portal.accounts.models import User
from portal.extensions import db
from portal.students.models import HardshipClaim, Intervention, MentorAssignment, Student, Verification


def snapshot(app):
    # students by number, not id: PostgreSQL's sequences go on where the previous seed left them
    with app.app_context():
        return db.session.execute(
            select(Student.student_no, HardshipClaim.category, HardshipClaim.level, HardshipClaim.source,
                   HardshipClaim.status).join(Student, Student.id == HardshipClaim.student_id)
            .order_by(Student.student_no, HardshipClaim.category)
        ).all()


def test_demo_seed_fills_the_ledger_and_caseloads(app, runner):
    result = runner.invoke(args=["demo", "seed", "--students", "300", "--seed", "5"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        n = db.session.scalar(select(func.count(Student.id)))
        primaries = db.session.scalar(select(func.count(MentorAssignment.id)).where(MentorAssignment.kind == "primary"))
        assert primaries == n
        assert db.session.scalar(select(func.count(MentorAssignment.id)).where(MentorAssignment.kind == "psychological")) > 0
        in_ledger = db.session.scalar(select(func.count(distinct(HardshipClaim.student_id))))
        assert 0.22 * n <= in_ledger <= 0.38 * n
        statuses = dict(db.session.execute(select(HardshipClaim.status, func.count()).group_by(HardshipClaim.status)).all())
        assert statuses["verified"] > statuses.get("pending", 0) + statuses.get("needs_more", 0)
        # every decided claim has its verification, with a checklist
        decided = db.session.scalar(select(func.count()).select_from(HardshipClaim).where(HardshipClaim.status != "pending"))
        checked = db.session.scalar(select(func.count(distinct(Verification.claim_id))))
        assert decided == checked
        assert db.session.scalar(select(func.count(Intervention.id))) > in_ledger
        assert db.session.scalar(select(func.count()).select_from(Student).where(Student.cohort.is_(None))) == 0
        # the demo accounts meet: student0001 is on mentor01's caseload, in the ledger, with a shared intervention
        mentor01 = db.session.scalar(select(User.id).where(User.username == "mentor01"))
        first = db.session.scalar(select(Student).join(User).where(User.username == "student0001"))
        assert db.session.scalar(select(MentorAssignment.kind).where(
            MentorAssignment.student_id == first.id, MentorAssignment.mentor_id == mentor01)) == "primary"
        assert db.session.scalar(select(func.count()).select_from(HardshipClaim).where(HardshipClaim.student_id == first.id))
        assert db.session.scalar(select(func.count()).select_from(Intervention).where(
            Intervention.student_id == first.id, Intervention.visibility == "student"))


def test_demo_ledger_is_deterministic(app, runner):
    runner.invoke(args=["demo", "seed", "--students", "80", "--seed", "3"])
    first = snapshot(app)
    from tests.conftest import _wipe

    _wipe(app)
    runner.invoke(args=["demo", "seed", "--students", "80", "--seed", "3"])
    assert snapshot(app) == first and first


def test_demo_accounts_see_their_pages(app, runner):
    runner.invoke(args=["demo", "seed", "--students", "60"])
    for username, pages in (("student0001", ["/me/profile", "/me/archive", "/me/support"]),
                            ("mentor01", ["/caseload", "/ledger"]), ("admin", ["/ledger", "/caseloads"])):
        client = app.test_client()
        assert client.post("/auth/login", data={"username": username, "password": "demo-pass-123"}).status_code == 302
        for page in pages:
            response = client.get(page, headers={"Accept-Language": "en"})
            assert response.status_code == 200, (username, page)
    page = client.get("/ledger", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No claim matches." not in page
