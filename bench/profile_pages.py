"""Time pages in-process against an already seeded database, for working on one page at a time.

    DATABASE_URL=sqlite:////tmp/prof/medpath.sqlite .venv/bin/python bench/profile_pages.py [-n 20] [--profile] [NAME ...]

Prints each page's median time, its ratio to /healthz measured the same way, and its statement
count; --profile adds the functions where the page spends its time. The gunicorn benchmark
(`make bench`) stays the judge of the budgets; this is the quick loop between its runs.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import signin  # noqa: E402
from pages import ACCOUNTS, BASELINE, PAGES, PASSWORD  # noqa: E402
from queries import _counting  # noqa: E402
from run import bench_environment  # noqa: E402


def _timed_statements(engine, request):
    from sqlalchemy import event

    timings = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["profile_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timings.append((time.perf_counter() - conn.info.pop("profile_started"), statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        request()
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="parts of page names to time (default: all)")
    parser.add_argument("-n", type=int, default=15, help="requests per page (default 15)")
    parser.add_argument("--profile", action="store_true", help="print where each page spends its time")
    parser.add_argument("--sql", action="store_true", help="print each statement of a page with its time")
    args = parser.parse_args()

    if "DATABASE_URL" not in os.environ:
        parser.error("set DATABASE_URL to a seeded database (flask --app wsgi demo seed --students 20000)")
    # as the benchmark serves it: production configuration over the given database
    os.environ.update({key: value for key, value in bench_environment(os.environ["DATABASE_URL"]).items()})
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    chosen = [p for p in PAGES if p.name == BASELINE or not args.names or any(n in p.name for n in args.names)]
    clients = {}
    baseline = None
    for page in chosen:
        client = clients.get(page.role)
        if client is None:
            client = clients[page.role] = app.test_client()
            if page.role:
                signin.test_client(client, ACCOUNTS[page.role], PASSWORD)
        client.get(page.path)
        times = []
        for _ in range(args.n):
            started = time.perf_counter()
            response = client.get(page.path)
            times.append(time.perf_counter() - started)
        with _counting(engine) as statements:
            client.get(page.path)
        median = statistics.median(times) * 1000
        if page.name == BASELINE:
            baseline = median
        ratio = f"{median / baseline:6.1f}×" if baseline else "      "
        print(f"{page.name:36} {response.status_code} {median:8.2f} ms {ratio} {statements[0]:4d} statements", flush=True)
        if args.sql and page.name != BASELINE:
            for seconds, statement in _timed_statements(engine, lambda: client.get(page.path)):
                print(f"    {seconds * 1000:7.2f} ms  {' '.join(statement.split())[:220]}")
        if args.profile and page.name != BASELINE:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(5):
                client.get(page.path)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("SORT","tottime")).print_stats(int(os.environ.get("TOP","18")))
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
