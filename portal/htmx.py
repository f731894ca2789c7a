"""Render a fragment for htmx requests and the full page otherwise."""
from __future__ import annotations

from flask import make_response, render_template, request
from werkzeug.wrappers import Response


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render(page: str, fragment: str, /, *, status: int = 200, **context) -> Response:
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
