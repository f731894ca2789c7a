"""The audit log records sensitive actions and lets administrators find them."""
from __future__ import annotations

from portal import audit
from portal.accounts.models import User
from portal.extensions import db


def test_record_keeps_who_what_and_from_where(app, users):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        actor = db.session.get(User, users["mentor"].id)
        row = audit.record(actor, "student.viewed", target_type="Student", target_id=42, detail="ledger")
        db.session.commit()
        assert (row.actor_username, row.action, row.target_id, row.ip) == (users["mentor"].username, "student.viewed", "42", "192.0.2.7")
        assert row.at.tzinfo is not None


def test_audit_page_lists_and_filters(app, client_as, users):
    with app.test_request_context():
        mentor = db.session.get(User, users["mentor"].id)
        audit.record(mentor, "ledger.exported", target_type="Ledger")
        audit.record(mentor, "student.viewed", target_type="Student", target_id=1)
        db.session.commit()
    admin = client_as("admin")
    page = admin.get("/admin/audit/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "ledger.exported" in page and "student.viewed" in page
    filtered = admin.get("/admin/audit/?action=ledger.exported", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "ledger.exported" in filtered and "student.viewed</code>" not in filtered and "<html" not in filtered
    by_user = admin.get(f"/admin/audit/?actor={users['admin'].username}").get_data(as_text=True)
    assert "ledger.exported</code>" not in by_user


def test_audit_page_rejects_an_inverted_date_range(client_as):
    response = client_as("admin").get("/admin/audit/?since=2026-12-01&until=2026-11-01", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)


def test_audit_page_filters_by_local_day(app, client_as, users):
    from datetime import datetime, timezone

    with app.test_request_context():
        row = audit.record(None, "old.action")
        row.at = datetime(2026, 10, 31, 15, 30, tzinfo=timezone.utc)  # 23:30 in Shanghai
        db.session.commit()
    admin = client_as("admin")
    assert "old.action</code>" in admin.get("/admin/audit/?since=2026-10-31&until=2026-10-31").get_data(as_text=True)
    assert "old.action</code>" not in admin.get("/admin/audit/?since=2026-11-01").get_data(as_text=True)


def test_audit_list_issues_a_fixed_number_of_queries(app, client_as, users, page_queries):
    admin = client_as("admin")

    def add(n):
        with app.test_request_context():
            actor = db.session.get(User, users["mentor"].id)
            for i in range(n):
                audit.record(actor, "student.viewed", target_type="Student", target_id=i)
            db.session.commit()

    add(2)
    few = page_queries(admin, "/admin/audit/")
    add(40)
    assert page_queries(admin, "/admin/audit/") == few
