"""Paging of list pages: a page of rows in one query, the total in another."""
from __future__ import annotations

from flask import request
from sqlalchemy import Select

from portal.extensions import db


def paginate(stmt: Select, *, per_page: int = 50):
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, max_per_page=200, error_out=False)
