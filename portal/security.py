"""Response headers that every page carries: CSP, framing, caching of private pages."""
from __future__ import annotations

from flask import Flask, g, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def init_app(app: Flask) -> None:
    production = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # the user this request loaded, if any; is_anonymous reads no column, so a user expired by
        # the request's commit is not loaded again just to set a header
        user = g.get("_login_user")
        if request.endpoint != "static" and user is not None and not user.is_anonymous:
            # private pages must not stay in a shared computer's cache or a proxy
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response
