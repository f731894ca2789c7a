"""Signing the bench users in, over HTTP (for the load) and through the Flask test client."""
from __future__ import annotations

import http.client
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"
COOKIE = "medpath_session"
LOGIN_PATH = "/auth/login"


class SignInError(RuntimeError):
    pass


class _CsrfFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.token: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "csrf_token" and self.token is None:
            self.token = attributes.get("value")


def csrf_token(html: str) -> str:
    finder = _CsrfFinder()
    finder.feed(html)
    if not finder.token:
        raise SignInError("the sign-in page has no csrf_token input")
    return finder.token


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    value = None
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        if COOKIE in cookie:
            value = cookie[COOKIE].value
    return value


def over_http(port: int, username: str, password: str) -> str:
    """Sign in against the running server; returns the session cookie's value."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", LOGIN_PATH)
        response = connection.getresponse()
        html = response.read().decode("utf-8", "replace")
        if response.status != 200:
            raise SignInError(f"GET {LOGIN_PATH} answered {response.status}")
        # the CSRF token is bound to the session the sign-in page opened
        cookie = _session_cookie(response)
        if cookie is None:
            raise SignInError(f"GET {LOGIN_PATH} set no {COOKIE} cookie")
        body = urlencode({"username": username, "password": password, "csrf_token": csrf_token(html)})
        connection.request(
            "POST",
            LOGIN_PATH,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{COOKIE}={cookie}"},
        )
        response = connection.getresponse()
        response.read()
        signed_in = _session_cookie(response)
        if response.status != 302 or signed_in is None:
            raise SignInError(f"POST {LOGIN_PATH} as {username} answered {response.status}, not a redirect with a session")
        return signed_in
    finally:
        connection.close()


def test_client(client, username: str, password: str) -> None:
    """Sign in through an app's test client, which keeps the cookie for later requests."""
    response = client.get(LOGIN_PATH)
    if response.status_code != 200:
        raise SignInError(f"GET {LOGIN_PATH} answered {response.status_code} in-process")
    token = csrf_token(response.get_data(as_text=True))
    # the test client speaks https (PREFERRED_URL_SCHEME), where CSRF also checks the referrer
    response = client.post(
        LOGIN_PATH,
        data={"username": username, "password": password, "csrf_token": token},
        headers={"Referer": response.request.url},
    )
    if response.status_code != 302:
        raise SignInError(f"POST {LOGIN_PATH} as {username} answered {response.status_code} in-process")
