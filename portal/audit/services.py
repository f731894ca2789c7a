"""Writing and querying audit-log rows."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import Select, insert, select
from sqlalchemy.orm import joinedload

from portal.accounts.models import User
from portal.audit.models import AuditLog
from portal.extensions import db
from portal.models_base import utcnow

def _values(actor, action, target, target_type, target_id, detail) -> dict:
    if target is not None:
        target_type = target_type or type(target).__name__
        target_id = target_id if target_id is not None else getattr(target, "id", None)
    return dict(
        actor_id=getattr(actor, "id", None),
        actor_username=getattr(actor, "username", None),
        action=action,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        detail=(detail or None) and detail[:2000],
        ip=request.remote_addr if has_request_context() else None,
    )


def record(
    actor: User | None,
    action: str,
    target: object | None = None,
    *,
    target_type: str | None = None,
    target_id: object | None = None,
    detail: str | None = None,
) -> AuditLog:
    """Add an audit row to the current transaction; it is written with the request's commit."""
    row = AuditLog(**_values(actor, action, target, target_type, target_id, detail))
    db.session.add(row)
    return row


def record_view(
    actor: User | None,
    action: str,
    target: object | None = None,
    *,
    target_type: str | None = None,
    target_id: object | None = None,
    detail: str | None = None,
) -> None:
    """Write and commit the audit row of a page that only shows sensitive data, once it is rendered.

    One INSERT, without the unit of work that record() goes through (a row object, a flush): a
    sensitive list is viewed far more often than anything is changed, and under load that machinery
    cost as much as a tenth of the page. Committing expires what the session holds, so call it after
    the page is rendered. Whatever else the request changed is committed with it.
    """
    db.session.execute(insert(AuditLog.__table__), _values(actor, action, target, target_type, target_id, detail) | {"at": utcnow()})
    db.session.commit()


def query_log(
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    stmt = select(AuditLog).options(joinedload(AuditLog.actor)).order_by(AuditLog.id.desc())
    if actor:
        stmt = stmt.where(AuditLog.actor_username == actor.strip().lower())
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if target_type:
        stmt = stmt.where(AuditLog.target_type == target_type)
    if since:
        stmt = stmt.where(AuditLog.at >= since)
    if until:
        stmt = stmt.where(AuditLog.at < until)
    return stmt


def known_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
