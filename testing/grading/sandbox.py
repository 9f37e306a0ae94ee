"""The second layer: an audit hook (PEP 578) in the test process, installed after collection.

The first layer is the operating system (``confine``): a unit's mount namespace holds nothing
worth reading and no network, and seccomp refuses new processes. The hook stays in front of it
so that a submission gets a clear ``PermissionError`` rather than a puzzling ``ENOENT``, and so
that grading without an OS sandbox (``--unconfined``) still refuses the plain attacks. From the
moment it is installed, code in the test process may

- read files, except anything under a denied root (the instructor's checkout, private tests),
  with a ``solutions`` folder in its path, the instructor's test sources (hidden roots), or
  ``/proc`` of another process;
- list folders, and open folders as descriptors, only inside the allowed roots (folders as
  descriptors: only inside the scratch folder, so a ``dir_fd`` always points there);
- write, create, rename or delete only inside the scratch folder, with ``dir_fd`` arguments
  resolved to the folder they name; relative paths climbing out with ``..`` are refused;
- not create symbolic or hard links (a link swapped between check and use defeats any check);
- connect or send datagrams only to loopback addresses;
- not start processes, signal other processes or change resource limits.

Introspection that reaches the test machinery, when it comes from the submission's own code,
is refused and **reported**: walking the garbage collector, taking frames (``sys._getframe``,
``tb_frame``, ``f_code``...), reading or replacing a function's ``__code__``, tracing and
profiling hooks, ``ctypes``. The report goes straight to the grader over the record pipe
(``Channel``) before the refused call returns, so it cannot be suppressed by code that runs
afterwards; the grader then withholds the exercise's points and flags it for review.
"""

from __future__ import annotations

import ipaddress
import json
import os
import posix
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PROCESS_EVENTS = {
    "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system",
    "subprocess.Popen", "pty.spawn", "os.startfile",
}
# Event -> (indexes of path arguments, index of the dir_fd argument or None).
_MUTATION_EVENTS = {
    "os.remove": ((0,), 1), "os.rmdir": ((0,), 1), "os.mkdir": ((0,), 2),
    "os.chmod": ((0,), 2), "os.chown": ((0,), 3), "os.lchown": ((0,), None),
    "os.rename": ((0, 1), 2), "os.truncate": ((0,), None), "os.utime": ((0,), 3),
    "shutil.rmtree": ((0,), 1), "shutil.move": ((0, 1), None), "os.chflags": ((0,), None),
    "os.setxattr": ((0,), None), "os.removexattr": ((0,), None),
}
_LINK_EVENTS = {"os.symlink", "os.link"}
_COPY_EVENTS = {"shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree"}
_LISTING_EVENTS = {"os.listdir", "os.scandir", "glob.glob", "os.fwalk"}
# Introspection that reaches pytest's and the grader's objects: refused and reported when the
# submission's own code asks for it.
_INTROSPECTION_EVENTS = {
    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
    "sys._getframe", "sys.settrace", "sys.setprofile", "ctypes.dlopen", "ctypes.dlsym",
    "ctypes.cdata", "ctypes.addressof", "ctypes.cdata/buffer", "sys._current_exceptions",
}
_FRAME_ATTRIBUTES = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code", "gi_code",
                     "cr_code", "ag_code", "__code__", "f_back"}
_RELAY_FILES = ("inspect.py",)  # takes frames on behalf of its caller (currentframe, stack)


@dataclass
class Policy:
    scratch: str
    allowed_roots: list[str] = field(default_factory=list)
    denied_roots: list[str] = field(default_factory=list)
    hidden_roots: list[str] = field(default_factory=list)   # *.py unreadable once tests run
    submission_roots: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Policy:
        return cls(**json.loads(path.read_text()))

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))


class Violation(PermissionError):
    """An operation the sandbox refuses."""


class Channel:
    """The record pipe to the grader, written with the raw ``posix.write``.

    Its identity (device, inode) is captured when opened: if the descriptor number was closed or
    replaced (``dup2``), a write would go elsewhere, so the process ends instead; a unit that
    ends without its closing record is never counted as complete.
    """

    def __init__(self, fd: int):
        self.fd = fd
        stat = posix.fstat(fd)
        self.identity = (stat.st_dev, stat.st_ino)
        self.lock = threading.Lock()
        self._write, self._fstat, self._exit = posix.write, posix.fstat, posix._exit

    def send(self, record: dict) -> None:
        data = (json.dumps(record) + "\n").encode()
        with self.lock:
            try:
                stat = self._fstat(self.fd)
                if (stat.st_dev, stat.st_ino) != self.identity:
                    raise OSError("record pipe replaced")
                while data:
                    data = data[self._write(self.fd, data):]
            except OSError:
                self._exit(87)


def _within(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class _Guard:
    def __init__(self, policy: Policy, channel: Channel | None):
        resolve = os.path.realpath
        self.realpath = resolve
        self.scratch = [resolve(policy.scratch)]
        interpreter = {resolve(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        self.allowed = [*self.scratch, *interpreter, *(resolve(p) for p in policy.allowed_roots)]
        self.denied = [resolve(p) for p in policy.denied_roots]
        self.hidden = [resolve(p) for p in policy.hidden_roots]
        self.submission = [resolve(p) for p in policy.submission_roots]
        self.channel = channel
        self.pid = os.getpid()
        self.busy = threading.local()
        self.getframe = sys._getframe
        self.readlink = os.readlink
        self.isdir = os.path.isdir
        self.reported: set[str] = set()

    # --- paths ----------------------------------------------------------------------------------

    def _path(self, value, dir_fd=None) -> str | None:
        if isinstance(value, int) or value is None:
            return None
        if isinstance(value, bytes):
            value = os.fsdecode(value)
        value = os.fspath(value)
        if not os.path.isabs(value):
            if ".." in Path(value).parts:
                raise Violation(f"grading sandbox: relative path {value!r} climbs with '..'")
            if isinstance(dir_fd, int):
                value = os.path.join(self.readlink(f"/proc/self/fd/{dir_fd}"), value)
        return self.realpath(value)

    def _rank(self, path: str, roots: list[str]) -> int:
        """Length of the most specific root containing ``path``; -1 when none does."""
        return max((len(root) for root in roots if _within(path, [root])), default=-1)

    def _readable(self, path: str) -> bool:
        if "solutions" in Path(path).parts:
            return False
        if path.endswith(".py") and _within(path, self.hidden):
            return False
        if path.startswith("/proc/"):
            head = path.split("/")[2]
            if head.isdigit() and int(head) != self.pid:
                return False
        # The most specific rule wins: a denied folder inside an allowed one stays denied.
        denied = self._rank(path, self.denied)
        return denied < 0 or self._rank(path, self.allowed) > denied

    def _listable(self, path: str) -> bool:
        if "solutions" in Path(path).parts:
            return False
        return self._rank(path, self.allowed) > self._rank(path, self.denied)

    # --- who is asking ----------------------------------------------------------------------------

    def _from_submission(self, relayed: bool) -> str | None:
        """The submission file whose code raised the current event, if it did.

        ``relayed``: also when the submission asked through ``inspect`` or ``exec``'d code.
        """
        frame = self.getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back  # the guard's own frames
        for _ in range(3):
            if frame is None:
                return None
            filename = frame.f_code.co_filename
            if _within(filename, self.submission):
                return filename
            relay = filename.startswith("<") or filename.endswith(_RELAY_FILES)
            if not (relayed and relay):
                return None
            frame = frame.f_back
        return None

    def _tamper(self, event: str, detail: str) -> None:
        where = self._from_submission(relayed=event == "sys._getframe")
        if where is None:
            return
        message = f"{detail} from {os.path.basename(where)}"
        if self.channel is not None and message not in self.reported:
            self.reported.add(message)
            self.channel.send({"tamper": message})
        raise Violation(f"grading sandbox: {detail} is not allowed (reported for review)")

    # --- the hook ---------------------------------------------------------------------------------

    def __call__(self, event: str, args: tuple) -> None:
        if getattr(self.busy, "active", False):
            return  # the guard's own calls
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
            # A folder opened as a descriptor lists it (os.listdir(fd)) or anchors dir_fd paths.
            if self.isdir(path) and not _within(path, self.scratch):
                raise Violation(f"grading sandbox: opening the folder {path} is not allowed")
        elif event in _LISTING_EVENTS:
            target = args[0] if args and args[0] not in (None, "") else "."
            if isinstance(target, int):
                target = self.readlink(f"/proc/self/fd/{target}")
            path = self._path(target)
            if path is not None and not self._listable(path):
                raise Violation(f"grading sandbox: listing {path} is not allowed")
        elif event in _COPY_EVENTS:
            source, target = self._path(args[0]), self._path(args[1])
            if source is not None and not self._readable(source):
                raise Violation(f"grading sandbox: reading {source} is not allowed")
            if target is not None and not _within(target, self.scratch):
                raise Violation(f"grading sandbox: changing {target} is not allowed")
        elif event in _MUTATION_EVENTS:
            indexes, fd_index = _MUTATION_EVENTS[event]
            dir_fd = args[fd_index] if fd_index is not None and len(args) > fd_index else None
            for index in indexes:
                value = args[index] if len(args) > index else None
                if isinstance(value, (str, bytes, os.PathLike)):
                    path = self._path(value, dir_fd)
                    if not _within(path, self.scratch):
                        raise Violation(f"grading sandbox: changing {path} is not allowed")
        elif event in _LINK_EVENTS:
            raise Violation("grading sandbox: creating links is not allowed")
        elif event == "os.chdir":
            target = args[0]
            if isinstance(target, int):
                target = self.readlink(f"/proc/self/fd/{target}")
            path = self._path(target)
            if path is not None and not self._listable(path):
                raise Violation(f"grading sandbox: changing into {path} is not allowed")
        elif event in _PROCESS_EVENTS:
            raise Violation(f"grading sandbox: starting processes is not allowed ({event})")
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event != "os.kill" or args[0] != self.pid:
                raise Violation("grading sandbox: signalling other processes is not allowed")
        elif event in ("resource.setrlimit", "resource.prlimit"):
            raise Violation("grading sandbox: changing resource limits is not allowed")
        elif event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            if len(args) > 1 and args[1] is not None:
                self._check_address(args[1])
        elif event in _INTROSPECTION_EVENTS:
            self._tamper(event, event)
        elif (event in ("object.__getattr__", "object.__setattr__") and len(args) > 1
              and args[1] in _FRAME_ATTRIBUTES):
            verb = "reading" if event == "object.__getattr__" else "replacing"
            self._tamper(event, f"{verb} {type(args[0]).__name__}.{args[1]}")

    @staticmethod
    def _check_address(address) -> None:
        if isinstance(address, (str, bytes)):  # AF_UNIX
            return
        host = address[0] if isinstance(address, tuple) else address
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
        raise Violation(f"grading sandbox: connecting to {host} is not allowed")


def install(policy: Policy, channel: Channel | None = None) -> None:
    """Install the guard for the rest of this process's life (audit hooks cannot be removed)."""
    os.environ["TMPDIR"] = policy.scratch
    import tempfile

    tempfile.tempdir = policy.scratch
    guard = _Guard(policy, channel)
    _installed.append(guard)
    sys.addaudithook(guard)


def set_cpu_limit(soft: int, hard: int) -> None:
    """The plugin's per-test CPU limit; the guard lets only this call change limits."""
    import resource

    guards = list(_installed)
    for guard in guards:
        guard.busy.active = True
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    finally:
        for guard in guards:
            guard.busy.active = False


_installed: list[_Guard] = []
