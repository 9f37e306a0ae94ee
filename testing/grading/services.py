"""Services a confined unit may use, none of them the machine's own.

- PostgreSQL: one private cluster per grading runner, started on first need, listening on a Unix
  socket only, password (SCRAM) authentication for every role. Each graded tree (a submission,
  the solutions, a trainee's exercises) gets a role of its own (no superuser, no CREATEDB, no
  CREATEROLE, no pg_execute_server_program) owning one database that no other role may connect
  to. ``COPY ... FROM PROGRAM`` and server-side file reads are therefore refused. The cluster's
  superuser has a random password the units never see; the server runs as the ``postgres`` OS
  user when the grader is root (PostgreSQL refuses root), else as the grader's user, and its data
  folder is never mounted into a unit. Only the socket folder is.
- Redis: started inside the unit by the plugin (``start_private_redis``), on the unit's own
  loopback, so it lives and dies with the unit and is counted in its limits.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from grading.confine import POSTGRES_SOCKET_DIR


class ServiceError(RuntimeError):
    """A private service could not be provided; the message says why."""


def _postgres_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


@dataclass
class Database:
    role: str
    password: str
    name: str
    socket_dir: Path

    def url(self, socket_dir: str = POSTGRES_SOCKET_DIR) -> str:
        """SQLAlchemy URL as the unit sees it (the socket folder mounted at ``socket_dir``)."""
        return (f"postgresql+psycopg://{self.role}:{self.password}@/{self.name}"
                f"?host={socket_dir}")


class PrivatePostgres:
    """A throwaway cluster: ``start()`` once, ``database(label)`` per graded tree, ``stop()``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.root: Path | None = None
        self.proc: subprocess.Popen | None = None
        self.superuser_password = secrets.token_hex(16)
        self.databases: dict[str, Database] = {}
        self.error: str | None = None

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "socket"

    def _as_owner(self) -> tuple[int, int] | None:
        if os.geteuid() != 0:
            return None
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServiceError("grading as root needs a 'postgres' OS user to run "
                               "PostgreSQL") from exc
        return entry.pw_uid, entry.pw_gid

    def start(self) -> None:
        with self.lock:
            if self.proc is not None or self.error:
                if self.error:
                    raise ServiceError(self.error)
                return
            try:
                self._start()
            except (OSError, subprocess.SubprocessError, ServiceError) as exc:
                self.error = f"no private PostgreSQL: {exc}"
                self.stop()
                raise ServiceError(self.error) from exc

    def _start(self) -> None:
        bindir = _postgres_bindir()
        if bindir is None:
            raise ServiceError("initdb not found (install the PostgreSQL server package)")
        owner = self._as_owner()
        self.root = Path(tempfile.mkdtemp(prefix="grade-pg-"))
        data, sock = self.root / "data", self.root / "socket"
        sock.mkdir()
        pwfile = self.root / "pw"
        pwfile.write_text(self.superuser_password)
        os.chmod(self.root, 0o711)
        os.chmod(sock, 0o755)
        if owner:
            for path in (self.root, sock, pwfile):
                os.chown(path, *owner)

        def demote() -> None:
            if owner:
                os.setgid(owner[1])
                os.setgroups([])
                os.setuid(owner[0])

        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C"}
        init = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", "grader", "--pwfile", str(pwfile),
             "--auth=scram-sha-256", "-E", "UTF8", "--no-instructions", "--no-sync"],
            preexec_fn=demote, env=env, capture_output=True, text=True, timeout=120,
        )
        pwfile.unlink()
        if init.returncode != 0:
            raise ServiceError(f"initdb failed: {init.stderr[-400:]}")
        (data / "pg_hba.conf").write_text("local all all scram-sha-256\n")
        options = ["-c", "listen_addresses=", "-c", f"unix_socket_directories={sock}",
                   "-c", "unix_socket_permissions=0777", "-c", "fsync=off",
                   "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                   "-c", "max_connections=200", "-c", "shared_buffers=32MB"]
        self.proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), *options], preexec_fn=demote, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        target = sock / ".s.PGSQL.5432"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServiceError(f"postgres exited: {self.proc.stderr.read().decode()[-400:]}")
            if target.exists() and self._accepts():
                return
            time.sleep(0.05)
        raise ServiceError("postgres did not accept connections within 60 s")

    def _accepts(self) -> bool:
        try:
            with self._connect("postgres"):
                return True
        except Exception:  # noqa: BLE001 - starting up
            return False

    def _connect(self, dbname: str):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), dbname=dbname, user="grader",
                               password=self.superuser_password, autocommit=True,
                               connect_timeout=5)

    def database(self, label: str) -> Database:
        """The role and database of one graded tree, created on first use."""
        self.start()
        with self.lock:
            if label in self.databases:
                return self.databases[label]
            index = len(self.databases) + 1
            db = Database(f"trainee{index}", secrets.token_hex(12), f"grade{index}",
                          self.socket_dir)
            with self._connect("postgres") as conn:
                conn.execute(f"CREATE ROLE {db.role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                             f"NOINHERIT NOREPLICATION PASSWORD '{db.password}'")
                conn.execute(f"CREATE DATABASE {db.name} OWNER {db.role}")
                for name in ("postgres", "template1", db.name):
                    conn.execute(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
                conn.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {db.name} TO {db.role}")
            self.databases[label] = db
            return db

    def stop(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait()
            self.proc = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --- Redis, started by the plugin inside the unit -----------------------------------------------

def start_private_redis(workdir: Path, port: int = 6379) -> subprocess.Popen:
    """A Redis server on the unit's own loopback; returns once it answers PING."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ServiceError("redis-server not found (install the redis-server package)")
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--maxmemory", "256mb", "--enable-module-command", "no",
         "--enable-debug-command", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"redis-server exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.01)
    proc.kill()
    raise ServiceError("redis-server did not answer within 30 s")
