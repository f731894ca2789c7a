"""Administrators create users, change roles, reset passwords and deactivate accounts."""
from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import LoginSession, User
from portal.audit.models import AuditLog
from portal.extensions import db

EN = {"Accept-Language": "en"}
HX = {"HX-Request": "true", "Accept-Language": "en"}


def load(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_admin_creates_a_user_who_must_change_the_temporary_password(app, client_as):
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data={
        "username": "Mentor42", "display_name": "李老师", "role": "mentor",
        "email": "li@example.edu.cn", "password": "temporary-pass-1",
    }, headers=EN)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mentor42"))
        assert user.role == "mentor" and user.must_change_password
        assert user.password_hash.startswith("scrypt:")
        assert "temporary-pass-1" not in user.password_hash
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_id == str(user.id))) == "account.created"


def test_duplicate_username_is_refused_and_nothing_is_written(app, client_as, users):
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data={
        "username": users["mentor"].username, "display_name": "重名", "role": "student",
        "password": "temporary-pass-1",
    }, headers=EN)
    assert response.status_code == 400
    assert "is already taken" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.display_name == "重名")) is None


def test_bad_new_user_form_names_each_problem(client_as):
    response = client_as("admin").post("/admin/users/new", data={
        "username": "<script>", "display_name": "", "role": "superuser", "email": "not-an-email", "password": "x",
    }, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use 2–64 letters" in body
    assert "Not a valid choice" in body
    assert "Invalid email address" in body
    assert "<script>" not in body


def test_role_change_signs_the_user_out(app, client_as, users, login):
    student_client = login(app.test_client(), users["alumni"])
    response = client_as("admin").post(f"/admin/users/{users['alumni'].id}/role", data={"role": "mentor"})
    assert response.status_code == 302
    assert load(app, users["alumni"].id).role == "mentor"
    assert student_client.get("/alumni/").status_code == 302


def test_the_last_administrator_cannot_lose_the_role_or_be_deactivated(app, client_as, users):
    admin = client_as("admin")
    admin_id = users["admin"].id
    response = admin.post(f"/admin/users/{admin_id}/role", data={"role": "student"}, headers=EN)
    assert response.status_code == 400
    assert "last active administrator" in response.get_data(as_text=True)
    assert load(app, admin_id).role == "admin"
    response = admin.post(f"/admin/users/{admin_id}/deactivate", headers=EN)
    assert response.status_code == 400
    assert load(app, admin_id).active


def test_reset_password_forces_a_change_and_ends_sessions(app, client_as, users, login):
    target = users["student"]
    victim = login(app.test_client(), target)
    response = client_as("admin").post(f"/admin/users/{target.id}/password", data={"password": "reset-pass-123"})
    assert response.status_code == 302
    assert victim.get("/student/").status_code == 302
    assert load(app, target.id).must_change_password
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"username": target.username, "password": "reset-pass-123"}).status_code == 302
    assert fresh.get("/student/").location == "/auth/password"


def test_reset_password_with_a_weak_password_is_refused(app, client_as, users):
    response = client_as("admin").post(f"/admin/users/{users['student'].id}/password", data={"password": "123"}, headers=EN)
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert not load(app, users["student"].id).must_change_password


def test_deactivate_from_the_list_with_htmx_swaps_the_row(app, client_as, users):
    target = users["mentor"]
    response = client_as("admin").post(f"/admin/users/{target.id}/deactivate", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<tr id="user-{target.id}"')
    assert "Reactivate" in body and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]
    assert not load(app, target.id).active
    with app.app_context():
        assert db.session.scalar(select(LoginSession).where(LoginSession.user_id == target.id,
                                                            LoginSession.revoked_at.is_(None))) is None
    again = client_as("admin").post(f"/admin/users/{target.id}/activate", headers=HX)
    assert "Deactivate" in again.get_data(as_text=True)
    assert load(app, target.id).active


def test_admin_cannot_deactivate_themself(app, client_as, users, make_user):
    make_user("admin")  # not the last admin, so only the self-rule applies
    response = client_as("admin").post(f"/admin/users/{users['admin'].id}/deactivate", headers=HX)
    assert response.status_code == 400
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)


def test_edit_details(app, client_as, users):
    response = client_as("admin").post(f"/admin/users/{users['mentor'].id}",
                                       data={"display_name": "王老师", "email": "wang@example.edu.cn"})
    assert response.status_code == 302
    assert load(app, users["mentor"].id).display_name == "王老师"


def test_unknown_user_id_is_404(client_as):
    assert client_as("admin").get("/admin/users/999999").status_code == 404
    assert client_as("admin").post("/admin/users/999999/deactivate").status_code == 404


def test_user_list_search_filters_and_answers_a_fragment_for_htmx(client_as, users, make_user):
    make_user("student", username="zhang-san", display_name="张三")
    admin = client_as("admin")
    full = admin.get("/admin/users?q=张", headers=EN)
    assert full.status_code == 200
    assert "<html" in full.get_data(as_text=True) and "zhang-san" in full.get_data(as_text=True)
    fragment = admin.get("/admin/users?q=zhang&role=student", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "zhang-san" in body and users["mentor"].username not in body
    assert "HX-Request" in fragment.headers["Vary"]
    none = admin.get("/admin/users?status=inactive", headers=HX)
    assert "No user matches." in none.get_data(as_text=True)


def test_user_list_issues_a_fixed_number_of_queries(client_as, make_user, page_queries):
    admin = client_as("admin")
    few = page_queries(admin, "/admin/users")
    for _ in range(30):
        make_user("student")
    assert page_queries(admin, "/admin/users") == few


def test_cli_creates_a_user(app, runner):
    result = runner.invoke(args=["users", "create", "--role", "mentor", "--name", "陈老师",
                                 "--password", "cli-password-1", "chen"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "chen"))
        assert user.role == "mentor" and user.check_password("cli-password-1")
    again = runner.invoke(args=["users", "create", "--role", "mentor", "--password", "cli-password-1", "chen"])
    assert again.exit_code != 0
    assert "chen" in again.output and "already taken" in again.output


def test_cli_deactivates_a_user(app, runner, users):
    result = runner.invoke(args=["users", "deactivate", users["student"].username])
    assert result.exit_code == 0
    assert not load(app, users["student"].id).active


def test_the_home_page_counts_follow_account_changes_at_once(app, client_as, users):
    """The administrators' home keeps its per-role counts; a change made through the account pages
    shows on the next visit all the same."""
    admin = client_as("admin")

    def mentors():
        page = admin.get("/admin/", headers=EN).get_data(as_text=True)
        return int(page.split('data-testid="count-mentor">')[1].split("<")[0])

    before = mentors()
    assert admin.post("/admin/users/new", data={
        "username": "mentor77", "display_name": "周老师", "role": "mentor", "password": "temporary-pass-1",
    }).status_code == 302
    assert mentors() == before + 1
    with app.app_context():
        new_id = db.session.scalar(select(User.id).where(User.username == "mentor77"))
    assert admin.post(f"/admin/users/{new_id}/deactivate").status_code == 302
    assert mentors() == before
