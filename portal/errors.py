"""Error pages: a clear, translated message and the right status, never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.i18n import lazy_gettext as _l

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to open this page.")),
    404: (_l("Not found"), _l("This page does not exist, or it is not available to you.")),
    405: (_l("Not allowed"), _l("This action cannot be done this way.")),
    413: (_l("Too large"), _l("What you sent is too large. Please send a smaller file.")),
    429: (_l("Too many attempts"), _l("Too many attempts in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("Something went wrong on our side. Nothing was saved; please try again later.")),
}


class RuleViolation(ValueError):
    """A rule of the portal was broken. The message is translated and safe to show; `status` is the
    answer's status code and `field` names the form field it concerns, when there is one.

    A service raises it; a route that shows the message on its own form catches it, and any other
    reaches the one handler below, which rolls back what the request wrote and shows the message."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


def render_error(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500] if status >= 500 else MESSAGES[400])
    template = "errors/_error.html" if request.headers.get("HX-Request") == "true" else "errors/error.html"
    return render_template(template, status=status, title=title, message=message or default), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_error(
            400,
            str(_l("Your form has expired or was not sent from this site. Please reload the page and try again.")),
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code, getattr(error, "medpath_message", None))
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(RuleViolation)
    def _rule(error: RuleViolation):
        db.session.rollback()
        return render_error(error.status, str(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
