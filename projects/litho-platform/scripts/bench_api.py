"""``make bench-api``: API throughput of the platform on the real services, against a baseline.

Starts two gunicorn servers with the same settings (deployment/gunicorn/gunicorn.conf.py,
2 sync workers): the platform on PostgreSQL and Redis, and a bare flask-restx app with one hello
endpoint. Seeds a user, a dataset and a succeeded analysis, then measures with wrk, in this one
run, ``GET /hello`` and ``GET /api/v1/analyses/{id}`` (with a JWT, the result cached): warm-up
first, then alternating rounds with the same connections for the same time each. Prints req/s,
latency percentiles (the worst round's) and the server's CPU time per request (its gunicorn
processes' user and system time, divided by the requests: steadier than req/s on a shared
machine) and ends with one line:

    api-bench: hello H req/s, results R req/s, ratio R/H, p99 P ms

(P: the results endpoint's 99th percentile). Targets: ratio >= 0.5, results >= 1000 req/s.

wrk (C, epoll) generates the load because a Python client cannot: on two cores it would need
most of a core per thousand requests a second and would measure itself. The generator's own
CPU use is printed beside each figure. wrk is installed from Debian's packages when missing
(as root). Environment: BENCH_DATABASE_URL (a PostgreSQL server URL; a throwaway database is
created on it and dropped), BENCH_REDIS_URL (redis://127.0.0.1:6379/9: a database number of its
own, emptied before and after), BENCH_DURATION (15 s per endpoint), BENCH_ROUNDS (3),
BENCH_CONNECTIONS (8).
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis
from flask import Flask
from flask_restx import Api, Resource
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = Path(__file__).resolve().parent
EXAMPLE = REPO / "projects" / "litho-platform" / "examples" / "fem_clean.csv"
GUNICORN_CONFIG = REPO / "deployment" / "gunicorn" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
PASSWORD = "Reticle-Bossung-42"
WARMUP_S = 3
READY_TIMEOUT_S = 60

# wrk reports through a Lua hook: one JSON line, latencies in microseconds.
WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, ' ..
    '"p50": %d, "p90": %d, "p99": %d, "max": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def hello_app() -> Flask:
    """The baseline: flask-restx's smallest useful app, one JSON resource."""
    app = Flask("hello")
    api = Api(app, doc=False)

    @api.route("/hello")
    class Hello(Resource):
        def get(self):
            return {"hello": "world"}

    return app


@dataclass(frozen=True)
class Measurement:
    """One endpoint's wrk runs, added up (latency percentiles: the worst run's)."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    failures: int
    generator_seconds: float
    server_seconds: float

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def generator_cores(self) -> float:
        return self.generator_seconds / self.seconds

    @property
    def server_us(self) -> float:
        return self.server_seconds / max(self.requests, 1) * 1e6

    def __add__(self, other: Measurement) -> Measurement:
        return Measurement(
            name=self.name,
            requests=self.requests + other.requests,
            seconds=self.seconds + other.seconds,
            p50_ms=max(self.p50_ms, other.p50_ms),
            p90_ms=max(self.p90_ms, other.p90_ms),
            p99_ms=max(self.p99_ms, other.p99_ms),
            max_ms=max(self.max_ms, other.max_ms),
            failures=self.failures + other.failures,
            generator_seconds=self.generator_seconds + other.generator_seconds,
            server_seconds=self.server_seconds + other.server_seconds,
        )


def log(message: str) -> None:
    print(f"bench-api: {message}", file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("bench-api needs wrk: install it (Debian/Ubuntu: apt-get install wrk)")
    log("installing wrk from the Debian packages")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], **quiet, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet, check=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(method: str, url: str, body: dict | None = None, headers: dict | None = None,
            data: bytes | None = None, content_type: str | None = None) -> tuple[int, dict, dict]:
    payload = json.dumps(body).encode() if body is not None else data
    all_headers = {**(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    if content_type:
        all_headers["Content-Type"] = content_type
    call = urllib.request.Request(url, data=payload, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


def multipart(field: str, path: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def seed(base: str) -> tuple[str, int]:
    """A user, the clean example as a dataset and a succeeded analysis; (token, analysis id)."""
    user = {"username": "bench", "email": "bench@fab.example", "password": PASSWORD}
    status, _, body = request("POST", f"{base}/api/v1/auth/register", user)
    assert status == 201, body
    status, _, body = request(
        "POST", f"{base}/api/v1/auth/login", {"username": "bench", "password": PASSWORD}
    )
    assert status == 200, body
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    data, content_type = multipart("file", EXAMPLE)
    status, _, dataset = request(
        "POST", f"{base}/api/v1/datasets", headers=auth, data=data, content_type=content_type
    )
    assert status == 201, dataset
    status, _, analysis = request(
        "POST",
        f"{base}/api/v1/analyses",
        {"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=auth,
    )
    assert status == 202, analysis
    assert analysis["status"] == "succeeded", analysis
    return body["access_token"], analysis["id"]


def start_gunicorn(app: str, port: int, env: dict[str, str], logs: Path) -> subprocess.Popen:
    # Recycling is off for both servers: at these rates the default (every 1000 requests)
    # would restart each worker several times a second and measure worker start-up instead.
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    with (logs / f"{port}.out").open("wb") as out, (logs / f"{port}.err").open("wb") as err:
        return subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "--pythonpath", str(SCRIPTS),
             app],
            env=server_env, cwd=REPO, stdout=out, stderr=err, start_new_session=True,
        )


def wait_ready(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server for {url} exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {READY_TIMEOUT_S} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def cpu_seconds(server: subprocess.Popen) -> float:
    """User and system time of a gunicorn master and its workers so far."""
    master = psutil.Process(server.pid)
    total = 0.0
    for process in (master, *master.children()):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_wrk(wrk: str, name: str, url: str, headers: dict[str, str], seconds: int,
            connections: int, script: Path, server: subprocess.Popen) -> Measurement:
    command = [wrk, "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "-s", str(script)]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = cpu_seconds(server)
    completed = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    server_used = cpu_seconds(server) - server_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(row for row in completed.stdout.splitlines() if row.startswith("WRK "))
    report = json.loads(line[4:])
    return Measurement(
        name=name,
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50"] / 1000,
        p90_ms=report["p90"] / 1000,
        p99_ms=report["p99"] / 1000,
        max_ms=report["max"] / 1000,
        failures=report["socket_errors"] + report["bad_status"],
        generator_seconds=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        server_seconds=server_used,
    )


def main() -> int:
    wrk = ensure_wrk()
    duration = int(os.environ.get("BENCH_DURATION") or 15)
    rounds = max(int(os.environ.get("BENCH_ROUNDS") or 3), 1)
    round_s = max(duration // rounds, 1)
    connections = int(os.environ.get("BENCH_CONNECTIONS") or 8)
    server_url = make_url(
        os.environ.get("BENCH_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    redis_url = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/9"
    database = f"litho_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    store = redis.Redis.from_url(redis_url)
    work = Path(tempfile.mkdtemp(prefix="litho-bench-"))
    servers: list[subprocess.Popen] = []
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    store.flushdb()
    try:
        env = {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": server_url.set(database=database).render_as_string(
                hide_password=False
            ),
            "REDIS_URL": redis_url,
            "INSTANCE_PATH": str(work / "instance"),
            "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
            # Throughput, not the limiter's refusals, is measured: the limit is still checked
            # (and counted in Redis) on every request.
            "RATE_LIMIT_ENGINEER": "100000000/minute",
        }
        for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "GUNICORN_BIND"):
            env.pop(name, None)
        subprocess.run(
            [str(BIN / "flask"), "--app", "litho_platform", "db", "upgrade"],
            env=env, cwd=REPO, check=True, capture_output=True,
        )
        platform_port, hello_port = free_port(), free_port()
        servers.append(start_gunicorn("litho_platform:create_app()", platform_port, env, work))
        hello_env = {
            name: value for name, value in env.items() if name != "PROMETHEUS_MULTIPROC_DIR"
        }
        servers.append(start_gunicorn("bench_api:hello_app()", hello_port, hello_env, work))
        platform = f"http://127.0.0.1:{platform_port}"
        hello = f"http://127.0.0.1:{hello_port}/hello"
        wait_ready(f"{platform}/health/live", servers[0])
        wait_ready(hello, servers[1])
        token, analysis_id = seed(platform)
        results = f"{platform}/api/v1/analyses/{analysis_id}"
        auth = {"Authorization": f"Bearer {token}"}
        script = work / "report.lua"
        script.write_text(WRK_REPORT)
        endpoints = [("hello", hello, {}, servers[1]), ("results", results, auth, servers[0])]
        log(f"warm-up {WARMUP_S} s each, then {rounds} alternating rounds of {round_s} s each, "
            f"{connections} connections")
        for name, url, headers, server in endpoints:
            run_wrk(wrk, name, url, headers, WARMUP_S, connections, script, server)
        # Alternating short rounds: a change in the machine's load during the run weighs on
        # both endpoints alike instead of on whichever was measured at the time.
        runs = [
            [run_wrk(wrk, name, url, headers, round_s, connections, script, server)
             for name, url, headers, server in endpoints]
            for _ in range(rounds)
        ]
        measured = [sum(column[1:], column[0]) for column in zip(*runs, strict=True)]
    finally:
        for server in servers:
            stop(server)
        store.flushdb()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'endpoint':<10}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'requests':>10}{'failed':>8}{'wrk cores':>11}{'server us/req':>15}")
    for m in measured:
        print(f"{m.name:<10}{m.requests_per_s:>9.0f}{m.p50_ms:>9.2f}{m.p90_ms:>9.2f}"
              f"{m.p99_ms:>9.2f}{m.max_ms:>9.1f}{m.requests:>10}{m.failures:>8}"
              f"{m.generator_cores:>11.2f}{m.server_us:>15.0f}")
    hello_rate, results_rate = measured[0].requests_per_s, measured[1].requests_per_s
    print(f"api-bench: hello {hello_rate:.0f} req/s, results {results_rate:.0f} req/s, "
          f"ratio {results_rate / hello_rate:.2f}, p99 {measured[1].p99_ms:.1f} ms")
    if any(m.failures for m in measured):
        log("some requests failed (socket errors or non-2xx answers): the figures are not valid")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
