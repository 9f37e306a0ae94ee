"""Integration tests against the real local services: PostgreSQL, Redis, RabbitMQ, and the
platform's own processes (gunicorn, Celery worker and beat) started for real.

A service that does not answer skips the tests that need it, with the reason; with
REQUIRE_SERVICES=1 (CI) it fails them instead, as the grading plugin's fixtures do. Servers are
started once per module; every process gets its own session and is killed as a group when
its fixture ends, whatever the test did. Each module gets a database of its own (dropped
after) and Redis database numbers of its own (emptied before and after; nothing else there).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[4]
PROJECT = REPO / "projects" / "litho-platform"
EXAMPLES = PROJECT / "examples"
GUNICORN_CONFIG = REPO / "deployment" / "gunicorn" / "gunicorn.conf.py"
BIN = Path(sys.executable).parent
PASSWORD = "Reticle-Bossung-42"
STARTUP_TIMEOUT_S = 60

# Redis database numbers these tests own, one range per module (see redis_databases).
REDIS_DATABASES = {
    "test_stack": (3, 4, 5),
    "test_shared_state": (6,),
    "test_degraded_services": (7,),
    "test_worker_loss": (10, 11),
    "test_services": (12, 13),
    "test_token_checks": (14,),
}

# Every variable the service reads: the developer's own settings must not leak in.
SERVICE_VARIABLES = (
    "APP_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND", "RATELIMIT_STORAGE_URI", "INSTANCE_PATH", "PORT", "LOG_LEVEL",
    "RATE_LIMIT_ADMIN", "RATE_LIMIT_ENGINEER", "RATE_LIMIT_VIEWER", "RATE_LIMIT_ANONYMOUS",
    "RATE_LIMIT_LOGIN", "LITHO_ADMIN_USERNAME", "LITHO_ADMIN_PASSWORD", "LITHO_ADMIN_EMAIL",
    "PROMETHEUS_MULTIPROC_DIR", "WORKER_METRICS_PORT", "WEB_CONCURRENCY", "GUNICORN_BIND",
    "ANALYSIS_SOFT_TIME_LIMIT", "ANALYSIS_TIME_LIMIT", "CELERY_VISIBILITY_TIMEOUT",
    "RETENTION_DAYS", "AUTH_CACHE_SECONDS", "MIGRATIONS_DIR", "DB_POOL_SIZE", "DB_MAX_OVERFLOW",
    "DB_POOL_TIMEOUT", "PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT", "PROXY_FIX_X_PREFIX", "MAX_UPLOAD_MB", "MAX_DATASET_ROWS",
)


def require_service(label: str, url: str) -> str:
    """``url`` if its host answers; else skip, or fail under REQUIRE_SERVICES=1."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port), timeout=1.0):
            return url
    except OSError as exc:
        reason = f"{label} not reachable at {parts.hostname}:{parts.port} ({exc.strerror or exc})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}; REQUIRE_SERVICES=1 demands it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    return require_service("PostgreSQL", url)


@pytest.fixture(scope="session")
def redis_server() -> str:
    """The Redis server's URL without a database number (tests pick theirs)."""
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
    require_service("Redis", url)
    return url.rsplit("/", 1)[0] if urlsplit(url).path.strip("/").isdigit() else url


@pytest.fixture(scope="session")
def amqp_server() -> str:
    url = os.environ.get("TEST_AMQP_URL") or "amqp://guest:guest@127.0.0.1:5672//"
    return require_service("RabbitMQ", url)


@pytest.fixture(scope="module")
def database_url(postgres_server) -> Iterator[str]:
    """A fresh database on the local server for this module, dropped afterwards."""
    name = f"litho_it_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def redis_databases(request, redis_server) -> Iterator[list[str]]:
    """This module's Redis database URLs, empty at the start and emptied at the end."""
    module = Path(request.module.__file__).stem
    urls = [f"{redis_server}/{number}" for number in REDIS_DATABASES[module]]
    stores = [redis.Redis.from_url(url) for url in urls]
    for store in stores:
        store.flushdb()
    yield urls
    for store in stores:
        store.flushdb()
        store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_environment(**values: str) -> dict[str, str]:
    """The process environment without the service's variables, plus ``values``."""
    env = {name: value for name, value in os.environ.items() if name not in SERVICE_VARIABLES}
    return {**env, **values}


@dataclass
class Process:
    """A started process group whose output goes to files."""

    name: str
    popen: subprocess.Popen
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        """Every JSON log line written so far (other lines, such as Celery's banner, skipped)."""
        records = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the group, then SIGKILL to whatever is left after ``timeout``."""
        if self.popen.poll() is None:
            self.signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout)
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)


@pytest.fixture(scope="module")
def processes(tmp_path_factory) -> Iterator[Callable[..., Process]]:
    """Start processes for this module (``start(name, command, env)``); all are stopped, as
    groups, when the module ends."""
    started: list[Process] = []
    logs = tmp_path_factory.mktemp("logs")

    def start(name: str, command: list[str], env: dict[str, str]) -> Process:
        stdout, stderr = logs / f"{name}.out", logs / f"{name}.err"
        with stdout.open("wb") as out, stderr.open("wb") as err:
            popen = subprocess.Popen(
                command, env=env, cwd=REPO, stdout=out, stderr=err, start_new_session=True
            )
        process = Process(name, popen, stdout, stderr)
        started.append(process)
        return process

    yield start
    for process in reversed(started):
        process.stop()


class TcpProxy:
    """A TCP relay on 127.0.0.1 to a real service, which a test can cut and restore: the way to
    take a dependency away from the app without stopping the service other tests use."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Refuse new connections and cut every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # close() alone does not wake a thread blocked in accept(); shutdown() does.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


def wait_for(condition: Callable[[], object], timeout: float, what: str,
              process: Process | None = None) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds
    (at once if ``process`` has exited), quoting the process's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.popen.poll() is not None:
            pytest.fail(f"{process.name} exited ({process.popen.returncode}) while waiting for "
                        f"{what}:\n{process.output()[-3000:]}")
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    tail = process.output()[-3000:] if process is not None else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tail}")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [str(BIN / "flask"), "--app", "litho_platform", "db", "upgrade"],
        env=env, cwd=REPO, check=True, capture_output=True,
    )


def start_gunicorn(start: Callable[..., Process], name: str, env: dict[str, str], port: int,
                   workers: int = 2) -> Process:
    server = start(
        name,
        [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONFIG), "litho_platform:create_app()"],
        {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
    )
    wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/health/live"), STARTUP_TIMEOUT_S,
             f"{name} to serve", server)
    return server


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` without the service's variables, plus ``values``, for the block (the
    app factory reads the environment)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in SERVICE_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        yield


class Api:
    """A small JSON client of a running platform."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict[str, str] | None = None, data: bytes | None = None,
             content_type: str | None = None) -> tuple[int, dict[str, str], bytes]:
        all_headers = dict(headers or {})
        if self.token:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        payload = data
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        if content_type:
            all_headers["Content-Type"] = content_type
        request = urllib.request.Request(
            self.base + path, data=payload, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def json(self, method: str, path: str, body: dict | None = None, expect: int = 200,
             **kwargs) -> dict:
        status, _, content = self.call(method, path, body, **kwargs)
        assert status == expect, (method, path, status, content[:500])
        return json.loads(content)

    def sign_up(self, username: str) -> None:
        self.json("POST", "/api/v1/auth/register", {
            "username": username, "email": f"{username}@fab.example", "password": PASSWORD,
        }, expect=201)
        self.token = self.json("POST", "/api/v1/auth/login", {
            "username": username, "password": PASSWORD,
        })["access_token"]

    def upload(self, path: Path) -> dict:
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        status, _, content = self.call(
            "POST", "/api/v1/datasets", data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert status == 201, content[:500]
        return json.loads(content)

    def poll(self, path: str, timeout: float = 60) -> dict:
        """GET ``path`` until its status is succeeded or failed."""
        def finished():
            document = self.json("GET", path)
            return document if document["status"] in ("succeeded", "failed") else None

        return wait_for(finished, timeout, f"{path} to finish")


def assert_clean_example_truth(results: dict) -> None:
    """examples/README.md: fem_clean.csv's true values (within the file's 0.3 nm noise)."""
    assert results["best_focus"] == pytest.approx(0.0, abs=0.01)
    assert results["dose_to_size"] == pytest.approx(24.0, abs=0.1)
    assert results["max_el_pct"] == pytest.approx(19.93, abs=0.5)
    window = {row["el_pct"]: row for row in results["process_window"]}
    assert window[5.0]["dof"] == pytest.approx(0.474, abs=0.02)
    assert window[10.0]["dof"] == pytest.approx(0.387, abs=0.02)


@pytest.fixture(scope="session")
def helpers() -> SimpleNamespace:
    """This module's constants and helpers, for test modules (imported by path, they cannot
    import it)."""
    return SimpleNamespace(
        **{name: value for name, value in globals().items() if not name.startswith("_")}
    )
