"""Load generation against 127.0.0.1: wrk when installed, else a Python generator in worker processes."""
from __future__ import annotations

import http.client
import multiprocessing
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
# generous, so a slow page is measured rather than dropped as a timeout
REQUEST_TIMEOUT_S = 30

# Counts answers other than 200: a session that lapsed mid-run would answer fast redirects
# to the sign-in page, which wrk counts as successes.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("bad") end
  io.write(string.format("bench-non-200: %d\\n", total))
end
"""

WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass
class LoadResult:
    requests_per_s: float
    median_ms: float
    p99_ms: float
    errors: int  # answers other than 200, socket errors and timeouts


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run(port: int, path: str, cookie: str | None, *, seconds: int, connections: int, loader: str, workdir: Path) -> LoadResult:
    headers = {"Cookie": cookie} if cookie else {}
    if loader == "wrk":
        return _run_wrk(port, path, headers, seconds=seconds, connections=connections, workdir=workdir)
    return _run_python(port, path, headers, seconds=seconds, connections=connections)


def _run_wrk(port: int, path: str, headers: dict, *, seconds: int, connections: int, workdir: Path) -> LoadResult:
    script = workdir / "count-non-200.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={REQUEST_TIMEOUT_S}s",
        "--latency",
        "-s", str(script),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + REQUEST_TIMEOUT_S + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * WRK_UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"could not read {pattern!r} in wrk's output:\n{output}")
        return match

    errors = int(find(r"^bench-non-200: (\d+)").group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return LoadResult(
        requests_per_s=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        median_ms=_wrk_ms(find(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_wrk_ms(find(r"^\s+99%\s+(\S+)").group(1)),
        errors=errors,
    )


def _one_connection(job: tuple[int, str, dict, float]) -> tuple[list[float], int]:
    """One keep-alive connection requesting the path until the deadline; in a worker process."""
    port, path, headers, seconds = job
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    try:
        while (start := time.perf_counter()) < deadline:
            try:
                # http.client reopens the connection itself when the server closed it
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)
            if response.status != 200:
                errors += 1
    finally:
        connection.close()
    return latencies, errors


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def _run_python(port: int, path: str, headers: dict, *, seconds: int, connections: int) -> LoadResult:
    # one process per connection: threads in one interpreter would make the GIL the bottleneck
    context = multiprocessing.get_context("spawn")
    jobs = [(port, path, headers, float(seconds))] * connections
    with context.Pool(connections) as pool:
        results = pool.map(_one_connection, jobs)
    latencies = sorted(latency for per_connection, _ in results for latency in per_connection)
    return LoadResult(
        requests_per_s=len(latencies) / seconds,
        median_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        errors=sum(errors for _, errors in results),
    )
