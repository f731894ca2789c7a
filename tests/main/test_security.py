"""Headers, CSRF, request limits and error pages that never show a stack trace."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.extensions import db


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_security_headers_and_a_csp_without_inline_scripts(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script_or_style(client_as):
    for role, path in [("admin", "/admin/users"), ("student", "/student/")]:
        body = client_as(role).get(path).get_data(as_text=True)
        assert "<script>" not in body and "style=" not in body and " on" + "click=" not in body


def test_htmx_is_served_locally_with_its_licence(client):
    body = client.get("/auth/login").get_data(as_text=True)
    assert '/static/js/htmx-2.0.11.min.js' in body
    with client.get("/static/js/htmx-2.0.11.min.js") as script:
        assert script.status_code == 200 and b"htmx" in script.data
    with client.get("/static/js/htmx-2.0.11.LICENSE") as licence:
        assert b"Zero-Clause BSD" in licence.data


def test_authenticated_pages_are_not_cached(client_as, client):
    assert client_as("student").get("/student/").headers["Cache-Control"] == "no-store"
    with client.get("/static/css/portal.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, csrf_on, client_as, users):
    admin = client_as("admin")
    response = admin.post("/admin/users/new", data={
        "username": "no-token", "display_name": "x", "role": "student", "password": "temporary-pass-1",
    }, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "Your form has expired or was not sent from this site." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username == "no-token")) == 0


def test_login_without_csrf_token_is_refused(csrf_on, client, make_user):
    user = make_user("student")
    response = client.post("/auth/login", data={"username": user.username, "password": "correct-horse-battery"})
    assert response.status_code == 400


def test_htmx_request_with_the_csrf_header_is_accepted(app, csrf_on, client_as, users):
    admin = client_as("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    target = users["mentor"].id
    refused = admin.post(f"/admin/users/{target}/deactivate", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = admin.post(f"/admin/users/{target}/deactivate", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200
    with app.app_context():
        assert not db.session.get(User, target).active


def test_oversized_request_body_is_refused_with_413(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/auth/login", data={"username": "x" * 4096, "password": "y"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_unknown_page_is_a_translated_404(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    assert client.put("/auth/login").status_code == 405


def test_unexpected_error_shows_no_stack_trace(app, client_as, monkeypatch):
    from portal.accounts import services

    def broken(*args, **kwargs):
        raise RuntimeError("database on fire: secret detail")

    monkeypatch.setattr(services, "search_users", broken)
    response = client_as("admin").get("/admin/users", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body and "secret detail" not in body


def test_htmx_request_of_an_expired_session_redirects_the_whole_page(client):
    response = client.get("/admin/users", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    from portal import create_app
    from portal.config import ProductionConfig

    for weak in (None, "dev", "short-key"):
        monkeypatch.setattr(ProductionConfig, "SECRET_KEY", weak)
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(ProductionConfig)
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 48)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
