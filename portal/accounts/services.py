"""Account rules: authentication, login sessions, password changes and role administration."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.accounts.models import LoginSession, Role, User
from portal.cache import cached
from portal.errors import RuleViolation
from portal.extensions import db
from portal.i18n import gettext as _
from portal.models_base import utcnow
from portal.notifications.services import unread_count_of

# How often a session's last-seen time is written: often enough for the idle timeout,
# rarely enough that reading pages does not turn into writing rows.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)

# A hash to compare against when the username is unknown, so that a missing account
# takes as long to refuse as a wrong password.
_DUMMY_HASH: str | None = None




def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalize_username(username)))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (unknown, wrong password or inactive)."""
    global _DUMMY_HASH
    user = get_user_by_username(username)
    if user is None or not user.has_usable_password:
        # the same hashing work as a real check, so the answer's timing does not tell whether the
        # account exists or is an imported one that has no password yet
        if _DUMMY_HASH is None:
            _DUMMY_HASH = generate_password_hash(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user


def start_session(user: User, *, ip: str | None = None, user_agent: str | None = None) -> str:
    """Open a login session for the user; returns the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            token_hash=LoginSession.hash_token(token),
            user=user,
            ip=ip,
            user_agent=(user_agent or "")[:255] or None,
        )
    )
    user.last_login_at = utcnow()
    return token


@dataclass
class SessionCheck:
    user: User | None
    expired: bool = False
    unread_notifications: int | None = None


def check_session(token: str | None, *, now: datetime | None = None) -> SessionCheck:
    """Resolve a cookie's token to its user, enforcing revocation, idle timeout and lifetime."""
    if not token:
        return SessionCheck(None)
    now = now or utcnow()
    # the unread count of the navigation's badge comes with the session, so no page spends a query on it
    row = db.session.execute(
        select(LoginSession, User, unread_count_of(User.id))
        .join(User, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == LoginSession.hash_token(token))
    ).first()
    if row is None:
        return SessionCheck(None)
    login_session, user, unread = row
    if login_session.revoked_at is not None or not user.active:
        return SessionCheck(None, expired=True)
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(hours=config["SESSION_LIFETIME_HOURS"])
    if now - login_session.last_seen_at > idle or now - login_session.created_at > lifetime:
        login_session.revoked_at = now
        db.session.commit()
        return SessionCheck(None, expired=True)
    if now - login_session.last_seen_at > LAST_SEEN_RESOLUTION:
        login_session.last_seen_at = now
        db.session.commit()
    return SessionCheck(user, unread_notifications=unread)


def end_sessions(user: User, *, except_token: str | None = None) -> int:
    """Revoke every open session of the user (all but one, if given); returns how many."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if except_token:
        stmt = stmt.where(LoginSession.token_hash != LoginSession.hash_token(except_token))
    result = db.session.execute(stmt)
    return result.rowcount or 0


def check_password_rules(password: str, *, username: str = "") -> None:
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < min_length:
        raise RuleViolation(_("The password must be at least %(n)d characters long.", n=min_length), field="password")
    if len(password) > 200:
        raise RuleViolation(_("The password must be at most 200 characters long."), field="password")
    if username and password.strip().lower() == username.strip().lower():
        raise RuleViolation(_("The password must not be the same as the username."), field="password")


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password; every other session of theirs ends."""
    if not user.check_password(current):
        raise RuleViolation(_("The current password is not correct."), field="current_password")
    if current == new:
        raise RuleViolation(_("The new password must differ from the current one."), field="new_password")
    check_password_rules(new, username=user.username)
    user.set_password(new)
    user.must_change_password = False
    end_sessions(user)
    audit.record(user, "account.password_changed", user)


def create_user(
    *,
    actor: User | None,
    username: str,
    display_name: str,
    role: str,
    password: str,
    email: str | None = None,
    must_change_password: bool = True,
) -> User:
    username = normalize_username(username)
    if role not in set(Role):
        raise RuleViolation(_("Unknown role."), field="role")
    if get_user_by_username(username) is not None:
        raise RuleViolation(_("The username %(name)s is already taken.", name=username), field="username")
    check_password_rules(password, username=username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        email=(email or "").strip() or None,
        active=True,
        must_change_password=must_change_password,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "account.created", user, detail=f"role={role}")
    return user


def _refuse_last_admin(user: User) -> None:
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True), User.id != user.id
        )
    )
    if not others:
        raise RuleViolation(_("This is the last active administrator; appoint another one first."))


def set_role(user: User, role: str, *, actor: User) -> None:
    if role not in set(Role):
        raise RuleViolation(_("Unknown role."), field="role")
    if role == user.role:
        return
    if user.role == Role.ADMIN:
        _refuse_last_admin(user)
    old = user.role
    user.role = role
    # a new role means new rights: make the user sign in again under it
    end_sessions(user)
    audit.record(actor, "account.role_changed", user, detail=f"{old} -> {role}")


def update_profile(user: User, *, display_name: str, email: str | None, actor: User) -> None:
    user.display_name = display_name.strip()
    user.email = (email or "").strip() or None
    audit.record(actor, "account.updated", user)


def deactivate(user: User, *, actor: User) -> None:
    if user.id == actor.id:
        raise RuleViolation(_("You cannot deactivate your own account."), field="active")
    if user.role == Role.ADMIN:
        _refuse_last_admin(user)
    user.active = False
    end_sessions(user)
    audit.record(actor, "account.deactivated", user)


def activate(user: User, *, actor: User) -> None:
    user.active = True
    audit.record(actor, "account.activated", user)


def reset_password(user: User, new_password: str, *, actor: User) -> None:
    """An administrator sets a temporary password; the user must choose their own at next login."""
    check_password_rules(new_password, username=user.username)
    user.set_password(new_password)
    user.must_change_password = True
    end_sessions(user)
    audit.record(actor, "account.password_reset", user)


# --- the administrators' home: active accounts per role -------------------------------------------

def active_role_counts() -> dict[str, int]:
    """Active accounts per role. Counting 20,000 students takes a millisecond or more, on the page
    every administrator opens first, so the answer is kept until the accounts change (a roster
    import's bulk insert included)."""
    return cached("accounts.role_counts", lambda: dict(db.session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)).all()), tables=["users"])


def search_users(q: str | None = None, role: str | None = None, active: bool | None = None):
    stmt = select(User).order_by(User.role, User.username)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                User.username.like(like),
                User.display_name.like(f"%{q.strip()}%"),
                func.lower(User.email).like(like),
            )
        )
    if role:
        stmt = stmt.where(User.role == role)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    return stmt
