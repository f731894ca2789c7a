"""Signing in and out, throttling, and sessions that really end."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import LoginSession, User
from portal.audit.models import AuditLog
from portal.extensions import db
from portal.models_base import utcnow
from tests.factories import PASSWORD

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def post_login(client, username, password=PASSWORD, headers=EN, **query):
    return client.post("/auth/login", data={"username": username, "password": password},
                       headers=headers, query_string=query)


@pytest.mark.parametrize("role, home", [
    ("student", "/student/"), ("mentor", "/mentor/"), ("alumni", "/alumni/"), ("admin", "/admin/"),
])
def test_each_role_lands_on_its_own_home_page(client, make_user, role, home):
    user = make_user(role)
    response = post_login(client, user.username)
    assert response.status_code == 302
    page = client.get(response.location, headers=EN, follow_redirects=True)
    assert page.request.path == home
    assert user.display_name in page.get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_clear_message(client, make_user):
    user = make_user("student")
    wrong = post_login(client, user.username, "not-the-password")
    unknown = post_login(client, "nobody-here", "whatever-password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong username or password." in response.get_data(as_text=True)
    assert client.get("/student/").status_code == 302


def test_an_imported_account_without_a_password_is_refused_like_any_other(app, client, make_user, monkeypatch):
    """An imported student has no password yet: signing in is refused with the same message, after
    the same hashing work as a real check, so neither the answer nor its timing tells it apart."""
    from portal.accounts import services
    from portal.students.import_services import unusable_password_hash

    user = make_user("student")
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(password_hash=unusable_password_hash()))
        db.session.commit()
    checks = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *a: checks.append(a) or real_check(*a))
    response = post_login(client, user.username, "!unusable$")
    assert response.status_code == 401 and "Wrong username or password." in response.get_data(as_text=True)
    assert len(checks) == 1  # the hashing work of a real check was done
    assert client.get("/student/").status_code == 302


def test_login_message_is_translated(client, make_user):
    user = make_user("student")
    response = post_login(client, user.username, "not-the-password", headers=ZH)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user("mentor", active=False)
    response = post_login(client, user.username)
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)


def test_empty_login_form_is_refused_with_field_messages(client):
    response = client.post("/auth/login", data={"username": "", "password": ""}, headers=EN)
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def test_login_ignores_next_pointing_to_another_site(client, make_user):
    user = make_user("student")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        client_response = post_login(client, user.username, next=target)
        assert client_response.location == "/"
        client.post("/auth/logout")


def test_login_follows_next_within_the_site(client, make_user):
    user = make_user("admin")
    response = post_login(client, user.username, next="/admin/users?q=x")
    assert response.location == "/admin/users?q=x"


def test_failed_and_successful_logins_are_audited(client, make_user, app):
    user = make_user("student")
    post_login(client, user.username, "wrong-password-1")
    post_login(client, user.username)
    with app.app_context():
        actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["auth.login_failed", "auth.login"]


def _replay(app, cookie_value):
    other = app.test_client()
    other.set_cookie("medpath_session", cookie_value)
    return other


def test_logout_makes_the_old_cookie_useless(app, client, make_user):
    user = make_user("student")
    post_login(client, user.username)
    stolen = client.get_cookie("medpath_session").value
    assert _replay(app, stolen).get("/student/").status_code == 200
    client.post("/auth/logout")
    replayed = _replay(app, stolen).get("/student/", headers=EN)
    assert replayed.status_code == 302
    assert replayed.location.startswith("/auth/login")


def test_logout_requires_post(client_as):
    assert client_as("student").get("/auth/logout").status_code == 405


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user("mentor")
    laptop, phone = app.test_client(), app.test_client()
    post_login(laptop, user.username)
    post_login(phone, user.username)
    old_phone_cookie = phone.get_cookie("medpath_session").value
    response = laptop.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "a-brand-new-pass", "confirm": "a-brand-new-pass",
    }, headers=EN)
    assert response.status_code == 302
    assert laptop.get("/mentor/").status_code == 200
    assert _replay(app, old_phone_cookie).get("/mentor/").status_code == 302
    assert post_login(app.test_client(), user.username).status_code == 401
    assert post_login(app.test_client(), user.username, "a-brand-new-pass").status_code == 302


@pytest.mark.parametrize("form, message", [
    ({"current_password": "wrong-one-here", "new_password": "a-brand-new-pass", "confirm": "a-brand-new-pass"},
     "The current password is not correct."),
    ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
     "at least 10 characters"),
    ({"current_password": PASSWORD, "new_password": "a-brand-new-pass", "confirm": "different-pass-1"},
     "The two new passwords do not match."),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "confirm": PASSWORD},
     "must differ"),
])
def test_password_change_refuses_bad_input(client, make_user, form, message):
    user = make_user("student")
    post_login(client, user.username)
    response = client.post("/auth/password", data=form, headers=EN)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert post_login(client.application.test_client(), user.username).status_code == 302


def test_deactivation_ends_every_session(app, make_user, login):
    target = make_user("student")
    victim = login(app.test_client(), target)
    assert victim.get("/student/").status_code == 200
    admin = login(app.test_client(), make_user("admin"))
    assert admin.post(f"/admin/users/{target.id}/deactivate").status_code == 302
    assert victim.get("/student/").status_code == 302


def test_idle_session_expires_with_a_message(app, client, make_user):
    user = make_user("student")
    post_login(client, user.username)
    with app.app_context():
        db.session.execute(update(LoginSession).values(
            last_seen_at=utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)))
        db.session.commit()
    response = client.get("/student/", headers=EN, follow_redirects=True)
    assert response.request.path == "/auth/login"
    assert "Your session has ended. Please sign in again." in response.get_data(as_text=True)


def test_session_has_an_absolute_lifetime(app, client, make_user):
    user = make_user("student")
    post_login(client, user.username)
    with app.app_context():
        db.session.execute(update(LoginSession).values(
            created_at=utcnow() - timedelta(hours=app.config["SESSION_LIFETIME_HOURS"], minutes=1)))
        db.session.commit()
    assert client.get("/student/").status_code == 302


def test_activity_keeps_the_session_alive(app, client, make_user):
    user = make_user("student")
    post_login(client, user.username)
    idle = app.config["SESSION_IDLE_MINUTES"]
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=idle - 1)))
        db.session.commit()
    assert client.get("/student/").status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(LoginSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    user = make_user("student")
    response = post_login(client, user.username)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("medpath_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_temporary_password_must_be_changed_first(client, make_user):
    user = make_user("student", must_change_password=True)
    post_login(client, user.username)
    response = client.get("/student/", headers=EN)
    assert response.status_code == 302
    assert response.location == "/auth/password"
    client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "my-own-password", "confirm": "my-own-password"})
    assert client.get("/student/").status_code == 200


def test_login_is_throttled_per_username(app, make_user):
    user = make_user("student")
    limit = int(app.config["LOGIN_LIMIT_PER_USERNAME"].split()[0])
    for attempt in range(limit):
        # a different address each time: the per-account limit must hold regardless
        response = app.test_client().post("/auth/login", data={"username": user.username, "password": "bad-guess"},
                                          environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"}, headers=EN)
        assert response.status_code == 401
    blocked = app.test_client().post("/auth/login", data={"username": user.username, "password": PASSWORD},
                                     environ_base={"REMOTE_ADDR": "10.0.1.1"}, headers=EN)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # another account from the same addresses is not affected
    other = make_user("student")
    assert post_login(app.test_client(), other.username).status_code == 302


def test_login_is_throttled_per_address(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "3 per minute")
    client = app.test_client()
    for n in range(3):
        assert post_login(client, f"someone{n}", "bad-guess").status_code == 401
    response = post_login(client, "someone-else", "bad-guess", headers=ZH)
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_logged_in_user_visiting_login_goes_home(client_as):
    response = client_as("mentor").get("/auth/login")
    assert response.status_code == 302


def test_last_login_time_is_recorded(app, client, make_user):
    user = make_user("alumni")
    post_login(client, user.username)
    with app.app_context():
        assert db.session.get(User, user.id).last_login_at is not None


WORKER = """
import sys
from portal import create_app
from portal.extensions import db
app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "RATELIMIT_KEY_PREFIX": sys.argv[4],
                  "LOGIN_LIMIT_PER_IP": "2 per minute"})
with app.app_context():
    db.create_all()
client = app.test_client()
print(" ".join(str(client.post("/auth/login", data={"username": "a", "password": "b"}).status_code)
               for _ in range(int(sys.argv[3]))))
"""


def test_throttle_counts_are_shared_between_processes_through_redis(database_dir):
    """Gunicorn workers and several machines share one Redis, so the limit holds across them."""
    import subprocess
    import sys

    import redis

    from portal import ROOT

    import uuid

    storage = "redis://127.0.0.1:6379/15"
    prefix = f"medpath-test-{uuid.uuid4().hex}"  # runs at the same time must not share counts
    database = "sqlite:///" + str(database_dir / "redis-throttle.sqlite")

    def worker(attempts: int) -> str:
        return subprocess.run([sys.executable, "-c", WORKER, database, storage, str(attempts), prefix],
                              capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()

    try:
        assert worker(2) == "401 401"
        assert worker(1) == "429"  # another process, same address: the count came through Redis
    finally:
        connection = redis.Redis.from_url(storage)
        for key in connection.scan_iter(f"{prefix}*"):
            connection.delete(key)
