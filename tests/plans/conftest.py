"""Fixtures of the plans tests: a mentor with a student in the ledger, and an open round."""
from __future__ import annotations

import pytest

from portal.cache import cache
from tests.plans.helpers import open_round, put_in_ledger


@pytest.fixture(autouse=True)
def _fresh_cache(app):
    """The list totals are kept in the cache, which the wipe between tests (plain DELETEs) does not
    reach: each test starts without them."""
    with app.app_context():
        cache.clear()


@pytest.fixture
def ledger_student(app, users):
    """The signed-in student of `users`, in the ledger, with users["mentor"] as their mentor."""
    put_in_ledger(app, users["student_record"], mentor=users["mentor"])
    return users["student_record"]


@pytest.fixture
def round_ids(app):
    return open_round(app)
