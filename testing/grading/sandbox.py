"""Confine a submission's code inside the grading subprocess with an audit hook (PEP 578).

Installed by the plugin after collection, so pytest and the instructor's tests are already
imported; from then on the exercise code may

- read files, except anything under a denied root (the instructor's checkout apart from the
  interpreter and the engine itself, the private tests) or with a ``solutions`` folder in its
  path;
- list folders only inside the allowed roots (the sandbox, the interpreter's trees);
- write, create, rename or delete only inside the scratch folder;
- connect only to loopback addresses (the course's local services);
- not start processes or send signals to other processes.

A refused operation raises ``PermissionError``, which fails the test that caused it. This stops
accidents and the plain attacks of the grading tests (searching the disk for the answers,
deleting or rewriting tests). It is not a security boundary against code that patches the
interpreter through ``ctypes``: docs/grading.md says what else the runner does about that.
"""

from __future__ import annotations

import ipaddress
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PROCESS_EVENTS = {
    "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system",
    "subprocess.Popen", "pty.spawn", "os.startfile",
}
# Events whose path arguments all change: the first two of (path) or (src, dst).
_MUTATION_EVENTS = {
    "os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.chmod", "os.chown", "os.link",
    "os.symlink", "os.truncate", "os.utime", "shutil.rmtree", "shutil.move", "os.chflags",
    "os.lchown", "os.setxattr", "os.removexattr",
}
# Copies change only their destination; reading the source is an ordinary read.
_COPY_EVENTS = {"shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree"}
_LISTING_EVENTS = {"os.listdir", "os.scandir", "glob.glob", "os.fwalk"}


@dataclass
class Policy:
    scratch: str
    allowed_roots: list[str] = field(default_factory=list)
    denied_roots: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Policy:
        return cls(**json.loads(path.read_text()))

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))


class Violation(PermissionError):
    """An operation the sandbox refuses."""


def _within(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class _Guard:
    def __init__(self, policy: Policy):
        resolve = os.path.realpath
        self.scratch = [resolve(policy.scratch)]
        interpreter = {resolve(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        self.allowed = [*self.scratch, *interpreter, *(resolve(p) for p in policy.allowed_roots)]
        self.denied = [resolve(p) for p in policy.denied_roots]
        self.pid = os.getpid()
        self.busy = threading.local()

    def _path(self, value) -> str | None:
        if isinstance(value, int) or value is None:
            return None
        if isinstance(value, bytes):
            value = os.fsdecode(value)
        return os.path.realpath(os.fspath(value))

    def _rank(self, path: str, roots: list[str]) -> int:
        """Length of the most specific root containing ``path``; -1 when none does."""
        return max((len(root) for root in roots if _within(path, [root])), default=-1)

    def _readable(self, path: str) -> bool:
        if "solutions" in Path(path).parts:
            return False
        # The most specific rule wins: a denied folder inside an allowed one stays denied.
        denied = self._rank(path, self.denied)
        return denied < 0 or self._rank(path, self.allowed) > denied

    def _listable(self, path: str) -> bool:
        if "solutions" in Path(path).parts:
            return False
        return self._rank(path, self.allowed) > self._rank(path, self.denied)

    def __call__(self, event: str, args: tuple) -> None:
        if getattr(self.busy, "active", False):
            return  # the guard's own realpath calls
        self.busy.active = True
        try:
            self._check(event, args)
        finally:
            self.busy.active = False

    def _check(self, event: str, args: tuple) -> None:
        if event == "open":
            path = self._path(args[0])
            mode, flags = args[1] or "r", args[2] or 0
            if path is None or path in ("/dev/null", "/dev/urandom"):
                return
            writing = any(c in mode for c in "wax+") or flags & _WRITE_FLAGS
            if writing and not _within(path, self.scratch):
                raise Violation(f"grading sandbox: writing {path} is not allowed")
            if not self._readable(path):
                raise Violation(f"grading sandbox: reading {path} is not allowed")
            # A directory opened for os.listdir(fd) / os.scandir(fd) is a listing in disguise.
            if os.path.isdir(path) and not self._listable(path):
                raise Violation(f"grading sandbox: listing {path} is not allowed")
        elif event in _LISTING_EVENTS:
            path = self._path(args[0] if args and args[0] not in (None, "") else ".")
            if path is not None and not self._listable(path):
                raise Violation(f"grading sandbox: listing {path} is not allowed")
        elif event in _COPY_EVENTS:
            source, target = self._path(args[0]), self._path(args[1])
            if source is not None and not self._readable(source):
                raise Violation(f"grading sandbox: reading {source} is not allowed")
            if target is not None and not _within(target, self.scratch):
                raise Violation(f"grading sandbox: changing {target} is not allowed")
        elif event in _MUTATION_EVENTS:
            for value in args[:2]:
                path = self._path(value) if isinstance(value, (str, bytes, os.PathLike)) else None
                if path is not None and not _within(path, self.scratch):
                    raise Violation(f"grading sandbox: changing {path} is not allowed")
        elif event in _PROCESS_EVENTS:
            raise Violation(f"grading sandbox: starting processes is not allowed ({event})")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event != "os.kill" or args[0] != self.pid:
                raise Violation("grading sandbox: signalling other processes is not allowed")
        elif event == "socket.connect":
            self._check_address(args[1])

    @staticmethod
    def _check_address(address) -> None:
        if isinstance(address, str):  # AF_UNIX: local sockets of the local services
            return
        host = address[0] if isinstance(address, tuple) else address
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
        raise Violation(f"grading sandbox: connecting to {host} is not allowed")


def install(policy: Policy) -> None:
    """Install the guard for the rest of this process's life (audit hooks cannot be removed)."""
    os.environ["TMPDIR"] = policy.scratch
    import tempfile

    tempfile.tempdir = policy.scratch
    sys.addaudithook(_Guard(policy))
