"""The sandbox's rules one by one, in a child interpreter (an audit hook cannot be removed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grading.sandbox import Policy

PROBE = r'''
import json, os, shutil, socket, subprocess, sys
from pathlib import Path
from grading import sandbox

sandbox.install(sandbox.Policy.load(Path(sys.argv[1])))
root = Path(sys.argv[2])
results = {}


def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except PermissionError as exc:
        results[name] = "refused" if "grading sandbox" in str(exc) else f"other: {exc}"
    except OSError as exc:
        results[name] = f"oserror: {type(exc).__name__}"


attempt("read_public", lambda: (root / "work" / "public.txt").read_text())
attempt("read_private", lambda: (root / "private" / "secret.txt").read_text())
attempt("read_solutions", lambda: (root / "solutions" / "answer.py").read_text())
attempt("read_system", lambda: Path(os.__file__).read_text())
attempt("list_work", lambda: os.listdir(root / "work"))
attempt("list_root", lambda: os.listdir("/"))
attempt("list_root_by_fd", lambda: os.listdir(os.open("/", os.O_RDONLY)))
attempt("write_scratch", lambda: (root / "scratch" / "out.txt").write_text("x"))
attempt("write_work", lambda: (root / "work" / "public.txt").write_text("x"))
attempt("copy_into_scratch", lambda: shutil.copy(root / "work" / "public.txt", root / "scratch"))
attempt("copy_into_work", lambda: shutil.copy(root / "scratch" / "out.txt", root / "work" / "x"))
attempt("delete_work", lambda: os.remove(root / "work" / "public.txt"))
attempt("rename_out_of_scratch", lambda: os.rename(root / "scratch" / "out.txt", root / "y"))
attempt("subprocess", lambda: subprocess.run(["true"]))
attempt("system", lambda: os.system("true"))
attempt("kill_parent", lambda: os.kill(os.getppid(), 0))
attempt("connect_remote", lambda: socket.create_connection(("192.0.2.1", 80), timeout=0.2))
attempt("udp_remote", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    b"x", ("192.0.2.1", 53)))
attempt("symlink_in_scratch", lambda: os.symlink(root / "solutions", root / "scratch" / "l"))
attempt("climb_relative", lambda: open("../" * 8 + str(root / "work" / "public.txt")).read())
attempt("remove_by_dir_fd", lambda: os.remove(
    "../work/public.txt", dir_fd=os.open(root / "scratch", os.O_RDONLY)))
attempt("open_folder_outside_scratch", lambda: os.open(root / "work", os.O_RDONLY))
attempt("proc_of_parent", lambda: open(f"/proc/{os.getppid()}/environ").read())
attempt("proc_of_self", lambda: open("/proc/self/status").read())
attempt("setrlimit", lambda: __import__("resource").setrlimit(
    __import__("resource").RLIMIT_CPU, (-1, -1)))
print(json.dumps(results))
'''


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("box")
    for folder in ("work", "private", "solutions", "scratch"):
        (root / folder).mkdir()
    (root / "work" / "public.txt").write_text("public")
    (root / "private" / "secret.txt").write_text("secret")
    (root / "solutions" / "answer.py").write_text("ANSWER = 42")
    policy = root / "policy.json"
    Policy(scratch=str(root / "scratch"), allowed_roots=[str(root / "work")],
           denied_roots=[str(root)]).dump(policy)
    proc = subprocess.run([sys.executable, "-c", PROBE, str(policy), str(root)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(("operation", "expected"), [
    ("read_public", "allowed"),
    ("read_private", "refused"),
    ("read_solutions", "refused"),
    ("read_system", "allowed"),
    ("list_work", "allowed"),
    ("list_root", "refused"),
    ("list_root_by_fd", "refused"),
    ("write_scratch", "allowed"),
    ("write_work", "refused"),
    ("copy_into_scratch", "allowed"),
    ("copy_into_work", "refused"),
    ("delete_work", "refused"),
    ("rename_out_of_scratch", "refused"),
    ("subprocess", "refused"),
    ("system", "refused"),
    ("kill_parent", "refused"),
    ("connect_remote", "refused"),
    ("udp_remote", "refused"),
    ("symlink_in_scratch", "refused"),
    ("climb_relative", "refused"),
    ("remove_by_dir_fd", "refused"),
    ("open_folder_outside_scratch", "refused"),
    ("proc_of_parent", "refused"),
    ("proc_of_self", "allowed"),
    ("setrlimit", "refused"),
])
def test_rule(outcomes: dict[str, str], operation: str, expected: str):
    assert outcomes[operation] == expected


def test_loopback_connections_are_allowed(tmp_path: Path):
    """Integration exercises talk to local PostgreSQL and Redis; a refused port is not a refusal."""
    policy = tmp_path / "policy.json"
    Policy(scratch=str(tmp_path)).dump(policy)
    probe = (
        "import socket, sys\nfrom pathlib import Path\nfrom grading import sandbox\n"
        "sandbox.install(sandbox.Policy.load(Path(sys.argv[1])))\n"
        "try:\n    socket.create_connection(('127.0.0.1', 9), timeout=0.5)\n"
        "except ConnectionRefusedError:\n    print('reached')\n"
        "except PermissionError as exc:\n    print(exc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, str(policy)],
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "reached"
