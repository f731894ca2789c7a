"""Paging of list pages whose rows hold several entities (a student, their user, their plan…)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from portal.extensions import db


@dataclass
class RowPage:
    """What the `pager` macro reads, like Flask-SQLAlchemy's Pagination."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate_rows(stmt: Select, *, count: Select | None = None, per_page: int = 50, total: int | None = None) -> RowPage:
    """One page of rows in one query, the total in another (`count`, when a leaner query can count them;
    `total` when the caller already knows it)."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    if total is None:
        if count is None:
            count = select(func.count()).select_from(stmt.order_by(None).subquery())
        total = db.session.scalar(count) or 0
    items = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return RowPage(items=list(items), page=page, per_page=per_page, total=total)
