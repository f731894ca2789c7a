"""The interface speaks Chinese by default and English on request, and remembers the choice."""
from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db


def test_chinese_is_the_default(client):
    body = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in body
    assert "登录" in body


def test_accept_language_chooses_until_the_user_picks(client):
    assert '<html lang="en">' in client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/auth/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/auth/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_anonymous_choice_persists_in_a_cookie(client):
    response = client.post("/language", data={"lang": "en", "next": "/auth/login"}, headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302 and response.location == "/auth/login"
    page = client.get("/auth/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in to MedPath" in page


def test_signed_in_choice_is_saved_on_the_account(app, client_as, users):
    mentor = client_as("mentor")
    mentor.post("/language", data={"lang": "en", "next": "/mentor/"})
    with app.app_context():
        assert db.session.get(User, users["mentor"].id).locale == "en"
    # a new browser, after signing in, gets the saved language whatever it asks for
    fresh = client_as("mentor")
    page = fresh.get("/mentor/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_unknown_language_code_is_refused_clearly(client):
    response = client.post("/language", data={"lang": "xx"}, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This language is not available." in response.get_data(as_text=True)
    response = client.post("/language", data={"lang": "xx"}, headers={"Accept-Language": "zh-CN"})
    assert "不可用" in response.get_data(as_text=True)


def test_language_switch_ignores_a_next_outside_the_site(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.location == "/"


def test_times_are_shown_in_shanghai_with_the_zone(app, client_as, users):
    from datetime import datetime, timezone

    with app.app_context():
        user = db.session.get(User, users["student"].id)
        user.last_login_at = datetime(2026, 9, 1, 1, 30, tzinfo=timezone.utc)
        db.session.commit()
    page = client_as("admin").get(f"/admin/users/{users['student'].id}", headers={"Accept-Language": "en"})
    assert "2026-09-01 09:30 China Standard Time" in page.get_data(as_text=True)
    page = client_as("admin").get(f"/admin/users/{users['student'].id}", headers={"Accept-Language": "zh-CN"})
    assert "2026-09-01 09:30 中国标准时间" in page.get_data(as_text=True)


def test_a_message_forced_into_another_language_is_written_in_it(app):
    """Mail to an English reader is written in English while the page around it speaks Chinese,
    and the page's language comes back afterwards (the kept catalogue follows the locale)."""
    from flask_babel import force_locale

    from portal.i18n import gettext, lazy_gettext, ngettext

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert gettext("Sign in") == "登录"
        with force_locale("en"):
            assert gettext("Sign in") == "Sign in"
            assert str(lazy_gettext("Sign in")) == "Sign in"
        assert gettext("Sign in") == "登录" and str(lazy_gettext("Sign in")) == "登录"
        assert ngettext("%(num)d claim matches", "%(num)d claims match", 3) == "3 条记录符合条件"
    with app.app_context():  # command-line tools speak the operators' language (English in tests)
        assert gettext("Sign in") == "Sign in"
