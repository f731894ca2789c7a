"""The one place that decides whether a user may do an action, optionally on an object."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from portal.accounts.models import Role

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in RULES:
                raise RuntimeError(f"policy rule {action!r} defined twice")
            RULES[action] = fn
        return fn

    return register


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` (on `obj`). Unknown actions are refused."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    check = RULES.get(action)
    if check is None:
        raise KeyError(f"no policy rule for {action!r}")
    return bool(check(user, obj))


def require(action: str, obj: Any = None, *, status: int = 403) -> None:
    """Abort the request unless the current user may do the action."""
    if not may(current_user, action, obj):
        abort(status)


def has_role(user: Any, *roles: str) -> bool:
    return user.role in roles


# --- accounts and administration -------------------------------------------------

@rule("admin.access", "users.manage", "audit.view")
def _admin_only(user, obj) -> bool:
    return user.role == Role.ADMIN


@rule("account.change_password")
def _any_signed_in(user, obj) -> bool:
    return True


# --- home pages: each role has its own ---------------------------------------------

@rule("home.student")
def _home_student(user, obj) -> bool:
    return user.role == Role.STUDENT


@rule("home.mentor")
def _home_mentor(user, obj) -> bool:
    return user.role == Role.MENTOR


@rule("home.alumni")
def _home_alumni(user, obj) -> bool:
    return user.role == Role.ALUMNI
