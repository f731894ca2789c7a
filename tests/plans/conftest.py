"""Fixtures of the plans tests: a mentor with a student in the ledger, and an open round."""
from __future__ import annotations

import pytest

from tests.plans.helpers import open_round, put_in_ledger


@pytest.fixture
def ledger_student(app, users):
    """The signed-in student of `users`, in the ledger, with users["mentor"] as their mentor."""
    put_in_ledger(app, users["student_record"], mentor=users["mentor"])
    return users["student_record"]


@pytest.fixture
def round_ids(app):
    return open_round(app)
