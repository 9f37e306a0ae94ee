"""The operating-system boundary around a unit of graded work (Linux; bubblewrap and cgroups).

Three layers, each usable without the others:

- ``Bubblewrap``: the command line that starts a unit in fresh mount, pid, network, ipc and uts
  namespaces. The unit sees a read-only ``/usr``, the interpreter, the virtual environment and
  the trees its editable installs point at, the instructor's tests and demo for its chapter,
  the exercise files being graded, a private ``/tmp`` and nothing else: no checkout, no
  ``solutions/``, no ``.git``, no class folder, no report folder, no network but its own
  loopback. When the grader runs as root the unit drops to an unprivileged uid with no
  capabilities before Python starts.
- ``UnitCgroup``: a cgroup (v1 ``memory``, ``pids``, ``cpuacct``) per unit, so the memory and
  process limits hold for the whole unit rather than per process, its CPU time can be read, and
  every process in it can be killed at once.
- ``install_seccomp``: called inside the test process once collection is over; from then on the
  kernel refuses ``execve``, ``fork`` and new processes (threads stay allowed), whatever route
  Python code takes to ask for them (``_posixsubprocess``, ``ctypes``...).

``probe()`` says which layers this machine offers; every report records the answer.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import shutil
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

NOBODY = 65534
SANDBOX_ROOT = "/grade"            # the unit's view: /grade/work (tests, demo), /grade/impl
POSTGRES_SOCKET_DIR = "/run/grade/postgresql"
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf", "passwd",
        "group", "hosts", "fonts", "ssl", "mime.types", "alternatives", "protocols", "services")


@dataclass(frozen=True)
class Confinement:
    """What isolates a unit on this machine; recorded in every report."""

    sandbox: str          # "bubblewrap" or "none"
    limits: str           # "cgroup-v1" (whole unit) or "rlimit" (per process)
    seccomp: bool         # no new processes once the tests run
    reason: str = ""      # why a layer is missing

    @property
    def confined(self) -> bool:
        return self.sandbox != "none"

    def to_dict(self) -> dict:
        return {"sandbox": self.sandbox, "limits": self.limits, "seccomp": self.seccomp,
                "confined": self.confined, **({"reason": self.reason} if self.reason else {})}

    def describe(self) -> str:
        if not self.confined:
            return f"unconfined ({self.reason or 'no OS sandbox'})"
        return (f"confined: {self.sandbox}, {self.limits} limits"
                + (", no new processes (seccomp)" if self.seccomp else ""))


UNCONFINED = Confinement("none", "rlimit", False, "confinement switched off")
_probed: Confinement | None = None


def probe(refresh: bool = False) -> Confinement:
    """Which layers work here: tried for real once per process, not guessed from the OS name."""
    global _probed
    if _probed is not None and not refresh:
        return _probed
    seccomp = seccomp_supported()
    limits = "cgroup-v1" if CgroupV1.available() else "rlimit"
    bwrap = shutil.which("bwrap")
    if sys.platform != "linux" or bwrap is None:
        why = "bubblewrap is not installed" if sys.platform == "linux" else f"{sys.platform}"
        _probed = Confinement("none", limits, False, why)
        return _probed
    argv = Bubblewrap(workdir=Path("/"), binds=[]).argv(["/bin/true"])
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=30)
        ok, why = proc.returncode == 0, proc.stderr.decode(errors="replace").strip()[:200]
    except (OSError, subprocess.SubprocessError) as exc:
        ok, why = False, str(exc)
    _probed = (Confinement("bubblewrap", limits, seccomp) if ok
               else Confinement("none", limits, False, f"bubblewrap cannot start: {why}"))
    return _probed


# --- bubblewrap ---------------------------------------------------------------------------------

def _interpreter_roots() -> list[Path]:
    """The trees the interpreter and the virtual environment live in."""
    roots = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    roots.add(Path(sys.executable).resolve().parent.parent)
    return sorted(r for r in roots if r != Path("/usr") and not _under(r, Path("/usr")))


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def editable_roots() -> list[Path]:
    """Source trees the environment's editable installs point at (``.pth`` lines, finders)."""
    import site

    found: set[Path] = set()
    for folder in {*site.getsitepackages(), site.getusersitepackages()}:
        base = Path(folder)
        if not base.is_dir():
            continue
        for pth in base.glob("*.pth"):
            for line in pth.read_text(errors="replace").splitlines():
                line = line.strip()
                if line and not line.startswith(("#", "import")) and Path(line).is_dir():
                    found.add(Path(line).resolve())
        for finder in base.glob("__editable___*_finder.py"):
            namespace: dict = {}
            for line in finder.read_text(errors="replace").splitlines():
                if line.startswith("MAPPING"):
                    exec(line.replace("MAPPING: dict[str, str]", "MAPPING"), namespace)  # noqa: S102
            found.update(Path(p).resolve() for p in namespace.get("MAPPING", {}).values())
    return sorted(found)


@dataclass
class Bubblewrap:
    """A bwrap command line; ``binds`` are (host path, sandbox path, writable)."""

    workdir: Path
    binds: list[tuple[Path, str, bool]]
    env: dict[str, str] = field(default_factory=dict)
    pass_fds: tuple[int, ...] = ()

    def argv(self, command: list[str]) -> list[str]:
        args = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
        as_root = os.geteuid() == 0
        if not as_root:
            args += ["--unshare-user", "--disable-userns"]
        args += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
            path = Path("/") / name
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), f"/{name}"]
            elif path.is_dir():
                args += ["--ro-bind", str(path), f"/{name}"]
        made: set[str] = {"/", "/usr", "/tmp", "/proc", "/dev"}
        mounts: list[tuple[str, str, bool]] = []
        for name in _ETC:
            if (Path("/etc") / name).exists():
                mounts.append((f"/etc/{name}", f"/etc/{name}", False))
        roots = [*_interpreter_roots(), *editable_roots()]
        mounts += [(str(r), str(r), False) for r in roots if r.exists()]
        mounts += [(str(src), dst, rw) for src, dst, rw in self.binds]
        dirs: list[str] = []
        for _, dst, _ in mounts:
            for parent in reversed(Path(dst).parents):
                text = str(parent)
                if text not in made:
                    made.add(text)
                    dirs.append(text)
        args += ["--perms", "1777", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
        for text in dirs:
            args += ["--perms", "0755", "--dir", text]
        for src, dst, rw in mounts:
            args += ["--bind" if rw else "--ro-bind", src, dst]
        args += ["--clearenv", "--chdir", str(self.workdir)]
        for key, value in self.env.items():
            args += ["--setenv", key, value]
        if as_root:
            # Mounts need root; the unit's own code never has it, nor any capability.
            setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
            command = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                       "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", *command]
        return [*args, "--", *command]


def sandbox_uid() -> int:
    return NOBODY if os.geteuid() == 0 else os.geteuid()


def share_with_sandbox(path: Path, writable: bool = False) -> None:
    """Make a staged file or tree readable (or writable) by the sandbox's uid."""
    uid = sandbox_uid()
    for item in [path, *path.rglob("*")] if path.is_dir() else [path]:
        mode = (0o755 if item.is_dir() else 0o644) | (0o022 if writable else 0)
        with contextlib.suppress(OSError):
            if writable and os.geteuid() == 0:
                os.chown(item, uid, uid)
            os.chmod(item, mode & 0o777)


# --- cgroups ------------------------------------------------------------------------------------

class CgroupV1:
    """The v1 hierarchies a unit is placed in: memory, pids and cpuacct."""

    CONTROLLERS = ("memory", "pids", "cpuacct")
    _bases: dict[str, Path] | None = None

    @classmethod
    def bases(cls) -> dict[str, Path]:
        """Per controller, the folder unit cgroups are created in (beside the grader's own)."""
        if cls._bases is not None:
            return cls._bases
        found: dict[str, Path] = {}
        try:
            mounts = Path("/proc/self/mountinfo").read_text().splitlines()
            own = {
                ctrl: line.split(":", 2)[2]
                for line in Path("/proc/self/cgroup").read_text().splitlines()
                for ctrl in line.split(":", 2)[1].split(",")
            }
        except OSError:
            cls._bases = {}
            return {}
        for line in mounts:
            left, _, right = line.partition(" - ")
            fields, super_fields = left.split(), right.split()
            if not super_fields or super_fields[0] != "cgroup":
                continue
            options = set(super_fields[-1].split(","))
            for ctrl in cls.CONTROLLERS:
                if ctrl in options and ctrl not in found:
                    mount = Path(fields[4])
                    inside = own.get(ctrl, "/").lstrip("/")
                    found[ctrl] = mount / inside / "course-grading"
        cls._bases = found
        return found

    @classmethod
    def available(cls) -> bool:
        bases = cls.bases()
        if set(bases) != set(cls.CONTROLLERS) or os.geteuid() != 0:
            return False
        try:
            for base in bases.values():
                base.mkdir(exist_ok=True)
                probe_dir = base / f"probe-{uuid.uuid4().hex[:8]}"
                probe_dir.mkdir()
                probe_dir.rmdir()
        except OSError:
            return False
        return True


class UnitCgroup:
    """One unit's cgroups: limits for all its processes together, its CPU time, one kill."""

    def __init__(self, memory: int, pids: int):
        name = f"unit-{uuid.uuid4().hex[:12]}"
        self.paths = {ctrl: base / name for ctrl, base in CgroupV1.bases().items()}
        for path in self.paths.values():
            path.mkdir(parents=True)
        mem = self.paths["memory"]
        (mem / "memory.limit_in_bytes").write_text(str(memory))
        if (mem / "memory.memsw.limit_in_bytes").exists():
            with contextlib.suppress(OSError):  # swap accounting may be off
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory))
        (self.paths["pids"] / "pids.max").write_text(str(pids))

    def join(self) -> None:
        """Move the calling process in (run in the child before it execs bubblewrap)."""
        pid = str(os.getpid())
        for path in self.paths.values():
            with open(path / "cgroup.procs", "w") as handle:  # noqa: PTH123
                handle.write(pid)

    def cpu_seconds(self) -> float:
        try:
            return int((self.paths["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return 0.0

    def out_of_memory(self) -> bool:
        mem = self.paths["memory"]
        try:
            control = (mem / "memory.oom_control").read_text()
            kills = [int(line.split()[1]) for line in control.splitlines()
                     if line.startswith("oom_kill ")]
            if kills:
                return kills[0] > 0
            return int((mem / "memory.failcnt").read_text()) > 0
        except (OSError, ValueError):
            return False

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths.values():
            with contextlib.suppress(OSError, ValueError):
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
        return sorted(found)

    def kill(self) -> bool:
        """SIGKILL every process of the unit until none is left; True when it is empty."""
        for _ in range(200):
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            os.sched_yield()
            with contextlib.suppress(ChildProcessError):
                os.waitpid(-1, os.WNOHANG)
        return not self.pids()

    def remove(self) -> None:
        for path in self.paths.values():
            with contextlib.suppress(OSError):
                path.rmdir()


# --- seccomp ------------------------------------------------------------------------------------

# x86_64 and aarch64: (audit arch, syscall numbers)
_ARCHES = {
    "x86_64": (0xC000003E, {"execve": 59, "execveat": 322, "fork": 57, "vfork": 58,
                            "clone": 56, "clone3": 435, "ptrace": 101, "unshare": 272,
                            "setns": 308, "mount": 165, "seccomp": 317}),
    "aarch64": (0xC00000B7, {"execve": 221, "execveat": 281, "clone": 220, "clone3": 435,
                             "ptrace": 117, "unshare": 97, "setns": 268, "mount": 40,
                             "seccomp": 277}),
}
_REFUSED = ("execve", "execveat", "fork", "vfork", "ptrace", "unshare", "setns", "mount")
_CLONE_THREAD = 0x00010000


def seccomp_supported() -> bool:
    return sys.platform == "linux" and platform.machine() in _ARCHES


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: str) -> list[tuple[int, int, int, int]]:
    load, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    eperm, enosys = 0x00050000 | 1, 0x00050000 | 38
    audit_arch, numbers = _ARCHES[arch]
    prog = [(load, 0, 0, 4), (jeq, 1, 0, audit_arch), (ret, 0, 0, kill), (load, 0, 0, 0)]
    for name in _REFUSED:
        if name in numbers:
            prog += [(jeq, 0, 1, numbers[name]), (ret, 0, 0, eperm)]
    # clone3's flags live in memory a filter cannot read: ENOSYS makes libc fall back to clone.
    prog += [(jeq, 0, 1, numbers["clone3"]), (ret, 0, 0, enosys)]
    prog += [(jeq, 0, 3, numbers["clone"]), (load, 0, 0, 16), (jset, 1, 0, _CLONE_THREAD),
             (ret, 0, 0, eperm)]
    prog.append((ret, 0, 0, allow))
    return prog


def install_seccomp() -> None:
    """From now on this process (all its threads) may start threads but no process."""
    arch = platform.machine()
    prog = _program(arch)
    filters = (_SockFilter * len(prog))(*(_SockFilter(*op) for op in prog))
    fprog = _SockFprog(len(prog), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)
    if libc.syscall(_ARCHES[arch][1]["seccomp"], 1, 1, ctypes.byref(fprog)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
