"""Render a fragment for htmx requests and the full page otherwise."""
from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(page: str, fragment: str, /, *, status: int = 200, **context) -> Response:
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def fragment_or_redirect(fragment: str, url: str, /, *, message: str | None = None, ok: bool = True,
                         status: int = 200, redirect_code: int = 303, **context) -> Response:
    """The answer to an action: for htmx, the changed fragment with the message shown in it; otherwise
    the message flashed and a redirect (303, or `redirect_code`) to the page the action was taken from."""
    if is_htmx():
        response = make_response(
            render_template(fragment, row_message=message, row_ok=ok, **context), status)
        response.vary.add("HX-Request")
        return response
    if message:
        flash(message, "success" if ok else "error")
    return redirect(url, code=redirect_code)
