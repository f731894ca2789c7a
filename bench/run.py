"""The benchmark: seed a fresh database, serve it with gunicorn, load every page, check the budgets."""
from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import imports
import load
import queries
import signin
from pages import ACCOUNTS, BASELINE, DOCUMENTS, PAGES, PASSWORD, Page

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
WORKERS = 2
STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 30

# DESIGN.md, "Budgets": every page within 15x /healthz's median, each role's home page within 8x
MAX_MEDIAN_FACTOR = 15.0
MAX_HOME_MEDIAN_FACTOR = 8.0
MIN_THROUGHPUT_SHARE = 0.25


class BenchError(RuntimeError):
    """The bench could not measure: setup failed or a page does not answer."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=20000, help="demo students to seed (default 20000)")
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed (default 2026)")
    parser.add_argument("--seconds", type=int, default=10, help="load duration per page (default 10)")
    parser.add_argument("--baseline-seconds", type=int, default=3,
                        help="load on /healthz just before each page, to compare the page with (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
    parser.add_argument(
        "--database-url",
        help="bench against this (empty) database, e.g. PostgreSQL, instead of a temporary SQLite file",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/14",
        help="the Redis the served portal shares between its workers (rate limits, cache), as deployed; "
             "emptied first (default redis://127.0.0.1:6379/14); 'none' to keep them in each process",
    )
    parser.add_argument("--loader", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator; auto uses wrk when installed (default auto)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server log)")
    parser.add_argument("--no-fail", action="store_true", help="report budget failures but exit 0")
    args = parser.parse_args(argv)
    if args.seconds < 1 or args.connections < 1 or args.students < 1 or args.baseline_seconds < 1:
        parser.error("--students, --seconds, --baseline-seconds and --connections must be at least 1")
    if args.loader == "auto":
        args.loader = "wrk" if load.wrk_available() else "python"
    elif args.loader == "wrk" and not load.wrk_available():
        parser.error("wrk is not installed")
    return args


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_environment(database_url: str) -> dict[str, str]:
    return {
        # production config, as deployed; it insists on a strong secret
        "MEDPATH_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(36),  # 48 characters
        "DATABASE_URL": database_url,
        # plain http on loopback: a Secure cookie would never be sent back
        "SESSION_COOKIE_SECURE": "0",
        # the bench signs in several times in a row from one address
        "LOGIN_LIMIT_PER_IP": "100000 per minute",
        "LOGIN_LIMIT_PER_USERNAME": "100000 per minute",
    }


def flask_command(*args: str) -> float:
    """Run a `flask --app wsgi` command in the repository; returns the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed


def check_database(app, expected_url: str) -> None:
    from sqlalchemy import inspect

    from portal.config import database_url
    from portal.extensions import db

    if app.config["SQLALCHEMY_DATABASE_URI"] != database_url(expected_url):
        raise BenchError("instance/config.py sets the database; the bench would not use its own. Move it aside.")
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        db.engine.dispose()
    if tables:
        raise BenchError(f"the database is not empty ({len(tables)} tables); the bench needs an empty one")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(HOST, port, timeout=load.REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextmanager
def gunicorn(port: int, log: Path):
    """Serve the app until the block ends, however it ends."""
    with log.open("wb") as out:
        # its own session: a Ctrl-C reaches only us, and we stop the server in order
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"{HOST}:{port}", "wsgi:app"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise BenchError(f"gunicorn exited ({process.returncode}):\n{log_tail(log)}")
            try:
                if fetch(port, "/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer /healthz within {STARTUP_TIMEOUT_S} s:\n{log_tail(log)}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def verify(port: int, pages: list[Page], cookies: dict[str | None, str | None], log: Path) -> None:
    """Every page answers 200 on every worker before any load is measured."""
    for page in pages:
        for _ in range(2 * WORKERS):
            response = fetch(port, page.path, cookies[page.role])
            if response.status != 200:
                who = ACCOUNTS[page.role] if page.role else "anonymous"
                where = f" → {response.getheader('Location')}" if response.getheader("Location") else ""
                raise BenchError(
                    f"{page.name} ({page.path}) as {who} answered {response.status}{where} under gunicorn:\n{log_tail(log)}"
                )


def report(rows: list[tuple[Page, load.LoadResult, int, load.LoadResult]]) -> list[str]:
    """Print the table and return the budget failures. Each page is compared with /healthz loaded just
    before it: on a shared machine the speed drifts over the ten minutes of a run, and one /healthz
    figure taken at the start would let that drift decide the later pages' verdicts."""
    failures = []
    header = (f"{'page':<20} {'role':<8} {'req/s':>8} {'median ms':>10} {'p99 ms':>8} {'healthz ms':>10} "
              f"{'median ×':>9} {'req/s %':>8} {'SQL':>4}  budget")
    print(header)
    print("-" * len(header))
    for page, result, statements, base in rows:
        median_factor = result.median_ms / base.median_ms
        share = result.requests_per_s / base.requests_per_s
        problems = []
        if result.errors:
            problems.append(f"{result.errors} failed requests (not 200, socket error or timeout)")
        if page.name != BASELINE:
            limit = MAX_HOME_MEDIAN_FACTOR if page.typical else MAX_MEDIAN_FACTOR
            if median_factor > limit:
                problems.append(f"median {median_factor:.2f}× /healthz's (limit {limit:.0f}×)")
            if page.typical and share < MIN_THROUGHPUT_SHARE:
                problems.append(f"throughput {share:.1%} of /healthz's (limit {MIN_THROUGHPUT_SHARE:.0%})")
        verdict = "FAIL" if problems else ("baseline" if page.name == BASELINE else "PASS")
        failures += [f"{page.name}: {problem}" for problem in problems]
        print(
            f"{page.name + (' *' if page.typical else ''):<20} {page.role or '-':<8} {result.requests_per_s:>8.1f} {result.median_ms:>10.2f} "
            f"{result.p99_ms:>8.2f} {base.median_ms:>10.2f} {median_factor:>8.1f}× {share:>7.1%} {statements:>4}  {verdict}"
        )
    return failures


def run(args: argparse.Namespace, workdir: Path) -> int:
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    # set before portal is imported: its config classes read the environment at import
    os.environ.update(bench_environment(url))
    if args.redis_url and args.redis_url != "none":
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
        os.environ["REDIS_URL"] = args.redis_url
    from portal import create_app

    app = create_app()
    check_database(app, url)

    progress("building the schema …")
    schema_s = flask_command("db", "upgrade")
    progress(f"seeding {args.students} students …")
    seed_s = flask_command("demo", "seed", "--students", str(args.students), "--seed", str(args.seed))

    progress("counting SQL statements per page in-process …")
    try:
        statements = queries.count(app, PAGES)
    except (queries.PageError, signin.SignInError) as error:
        raise BenchError(str(error)) from None

    port = free_port()
    log = workdir / "gunicorn.log"
    progress(f"starting gunicorn ({WORKERS} workers) on {HOST}:{port} …")
    with gunicorn(port, log):
        cookies: dict[str | None, str | None] = {None: None}
        for role in sorted({page.role for page in PAGES if page.role}):
            try:
                cookies[role] = f"{signin.COOKIE}={signin.over_http(port, ACCOUNTS[role], PASSWORD)}"
            except (signin.SignInError, OSError) as error:
                raise BenchError(f"signing in {ACCOUNTS[role]} failed: {error}\n{log_tail(log)}") from None
        verify(port, PAGES, cookies, log)
        rows = []
        baseline_path = next(page.path for page in PAGES if page.name == BASELINE)
        for page in PAGES:
            if page.name == BASELINE:
                base = None
            else:
                base = load.run(port, baseline_path, None, seconds=args.baseline_seconds,
                                connections=args.connections, loader=args.loader, workdir=workdir)
            progress(f"loading {page.name} ({page.path}) for {args.seconds} s …")
            result = load.run(
                port, page.path, cookies[page.role],
                seconds=args.seconds, connections=args.connections, loader=args.loader, workdir=workdir,
            )
            rows.append((page, result, statements[page.name], base or result))
        documents = []
        for document in DOCUMENTS:
            progress(f"timing {document.name} ({document.path}) …")
            cookie = cookies.get(document.role)
            if cookie is None:
                cookie = f"{signin.COOKIE}={signin.over_http(port, ACCOUNTS[document.role], PASSWORD)}"
            times = []
            for attempt in range(document.runs + 1):
                start = time.perf_counter()
                response = fetch(port, document.path, cookie)
                elapsed = time.perf_counter() - start
                if response.status != 200:
                    raise BenchError(f"{document.path} answered {response.status}\n{log_tail(log)}")
                if attempt:  # the first request warms the worker up
                    times.append(elapsed)
            documents.append((document, sorted(times)[len(times) // 2], max(times)))

    progress(f"importing a roster of {args.students} new students through the admin pages …")
    try:
        roster = imports.time_roster(app, args.students)
    except RuntimeError as error:
        raise BenchError(str(error)) from None

    if args.database_url:
        from sqlalchemy.engine import make_url

        database = make_url(args.database_url).render_as_string(hide_password=True)
    else:
        database = "SQLite (temporary file)"
    print()
    print(f"MedPath benchmark: {args.students} demo students (seed {args.seed}), {database}")
    print(f"gunicorn {WORKERS} workers; load by {args.loader}, {args.connections} connections × {args.seconds} s per page, "
          f"each after {args.baseline_seconds} s on /healthz (its 'healthz ms')")
    print(f"schema built in {schema_s:.1f} s; demo data seeded in {seed_s:.1f} s (each including the flask command's start-up)")
    print()
    failures = report(rows)
    if documents:
        print()
        print(f"{'document':<40} {'median s':>9} {'max s':>7} {'budget s':>9}")
        for document, median, worst in documents:
            verdict = "PASS" if median <= document.budget_s else "FAIL"
            print(f"{document.name:<40} {median:>9.3f} {worst:>7.3f} {document.budget_s:>9.2f}  {verdict}")
            if verdict == "FAIL":
                failures.append(f"{document.name}: median {median:.3f} s (budget {document.budget_s} s)")
    checked, confirmed = roster
    verdict = "PASS" if checked + confirmed <= imports.BUDGET_S else "FAIL"
    print()
    print(f"roster import of {args.students} rows (.xlsx): upload and check {checked:.2f} s, confirm {confirmed:.2f} s, "
          f"total {checked + confirmed:.2f} s (budget {imports.BUDGET_S:.0f} s)  {verdict}")
    if verdict == "FAIL":
        failures.append(f"roster import: {checked + confirmed:.2f} s (budget {imports.BUDGET_S:.0f} s)")
    print()
    print(
        f"Budgets (DESIGN.md): every page's median within {MAX_MEDIAN_FACTOR:.0f}× /healthz's (loaded just before it), "
        f"each role's home (marked *) within {MAX_HOME_MEDIAN_FACTOR:.0f}×; the typical "
        f"authenticated pages' (the role homes) throughput at least {MIN_THROUGHPUT_SHARE:.0%} of "
        f"/healthz's; every request answered 200."
    )
    for failure in failures:
        print(f"FAIL  {failure}")
    if not failures:
        print("All pages within budget.")
    return 1 if failures and not args.no_fail else 0


def _terminate(signum, frame):
    # turn SIGTERM into the same orderly stop as Ctrl-C
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    workdir = Path(tempfile.mkdtemp(prefix="medpath-bench-"))
    try:
        return run(args, workdir)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            progress(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
