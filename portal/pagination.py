"""The one paginator of list pages: a page of a statement's results in one query, the total in another."""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from portal.extensions import db


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _is_entity_select(stmt: Select) -> bool:
    """True for select(Model): its results are model objects; any other select answers rows."""
    described = stmt.column_descriptions
    return len(described) == 1 and described[0].get("entity") is not None and \
        described[0].get("expr") is described[0].get("entity")


class StatementPagination(Pagination):
    """A page of select(Model) objects, or of plain rows for a select of columns (db.paginate()
    would keep only each row's first column). The total comes from `count` (a leaner statement
    counting the same rows), or `total` when the caller already knows it, or by counting the
    statement itself."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        result = db.session.execute(stmt)
        if _is_entity_select(self._query_args["select"]):
            return list(result.unique().scalars())
        return result.all()

    def _query_count(self) -> int:
        if self._query_args["total"] is not None:
            return self._query_args["total"]
        count = self._query_args["count_stmt"]
        if count is None:
            count = select(func.count()).select_from(self._query_args["select"].order_by(None).subquery())
        return db.session.scalar(count) or 0


def paginate(stmt: Select, *, per_page: int = 50, count: Select | None = None,
             total: int | None = None) -> StatementPagination:
    """The request's page (`?page=`) of `stmt`'s results."""
    # (Pagination's own `count` argument says whether to count at all)
    return StatementPagination(select=stmt, count_stmt=count, total=total, page=_page_number(), per_page=per_page,
                               max_per_page=200, error_out=False)
