"""SQL statements per page, counted in-process through the app's test client."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

import signin
from pages import ACCOUNTS, PASSWORD, Page


class PageError(RuntimeError):
    pass


@contextmanager
def _counting(engine):
    count = [0]

    def _count(*args, **kwargs):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def count(app, pages: list[Page]) -> dict[str, int]:
    """Statements issued by one warm GET of each page, made through the app's test client."""
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    clients = {}
    counts = {}
    try:
        for page in pages:
            client = clients.get(page.role)
            if client is None:
                client = clients[page.role] = app.test_client()
                if page.role is not None:
                    signin.test_client(client, ACCOUNTS[page.role], PASSWORD)
            # the first request fills caches and refreshes the session's last-seen time
            client.get(page.path)
            with _counting(engine) as statements:
                response = client.get(page.path)
            if response.status_code != 200:
                who = ACCOUNTS[page.role] if page.role else "anonymous"
                raise PageError(f"{page.name} ({page.path}) as {who} answered {response.status_code} in-process")
            counts[page.name] = statements[0]
    finally:
        engine.dispose()
    return counts
