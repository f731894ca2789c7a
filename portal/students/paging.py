"""Pages of plain rows (Core selects of columns) for the students feature's list pages."""
from __future__ import annotations

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, func, select

from portal.extensions import db


class RowsPagination(SelectPagination):
    """flask_sqlalchemy's page for a select of columns: rows, not the first column of each, and a count
    over the select's own (narrow) columns."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"]
        return db.session.execute(stmt.limit(self.per_page).offset(self._query_offset)).all()

    def _query_count(self) -> int:
        stmt = self._query_args["select"]
        return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def rows_page(stmt: Select, *, page: int, per_page: int = 50) -> RowsPagination:
    """As portal.pagination.paginate, for a select of columns."""
    return RowsPagination(select=stmt, page=max(page, 1), per_page=per_page, max_per_page=200, error_out=False)
