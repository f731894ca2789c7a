"""Each students test starts with an empty cache: the database is wiped between tests without the
commits that would tell the cache."""
from __future__ import annotations

import pytest

from portal.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache(app):
    with app.app_context():
        cache.clear()
    yield
