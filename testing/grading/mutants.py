"""``make mutants``: are the graded tests strong enough to fail a plausible wrong solution?

Each reference solution is mutated one small change at a time (an AST mutator: flipped
comparisons and boolean operators, constants shifted by one, swapped arithmetic, negated
conditions, dropped statements, ``return None``) and the exercise's graded tests are run against
every mutant. A mutant that passes them all *survives*: the author strengthens the tests or, when
the mutant behaves exactly like the solution, lists it as equivalent with the reason in
``chapters/NN-slug/tests/mutants-equivalent.txt``::

    ex02_health: L41 'or' -> 'and': both checks always run, the result is the same

Mutants run in children forked from one process per chapter that has already imported pytest,
Flask and the chapter's demo, so a mutant costs its test run, not an interpreter start. They
run the reference solution's code, which is trusted: no sandbox.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading.layout import Course, Exercise, match_chapter
from grading.runner import NO_PLUGINS

_COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                  ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
                  ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                ast.FloorDiv: ast.Mult, ast.Mod: ast.Mult}
_SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
            ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is",
            ast.IsNot: "is not", ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
            ast.FloorDiv: "//", ast.Mod: "%", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    ident: str      # "L12 '<' -> '<='": stable across runs while the line stays
    source: str


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0]))
                found.add(id(body[0].value))
    return found


def _sites(tree: ast.Module) -> list[tuple[ast.AST, str, int]]:
    """(node, kind, variant) of every mutation, in source order."""
    skip = _docstring_nodes(tree)
    sites: list[tuple[ast.AST, str, int]] = []
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            in_function.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skip or id(node) not in in_function:
            continue
        if isinstance(node, ast.Compare):
            sites += [(node, "compare", i) for i, op in enumerate(node.ops)
                      if type(op) in _COMPARE_SWAPS]
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINOP_SWAPS:
            sites.append((node, "binop", 0))
        elif isinstance(node, ast.BoolOp):
            sites.append((node, "boolop", 0))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
              and not isinstance(node.value, bool)):
            sites.append((node, "number", 0))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            sites.append((node, "bool", 0))
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            sites.append((node, "negate", 0))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            sites.append((node, "return", 0))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            sites.append((node, "not", 0))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.For,
                             ast.While, ast.With, ast.Try)):
            for body_name in ("body", "orelse", "finalbody"):
                body = getattr(node, body_name, None) or []
                if len(body) > 1:
                    sites += [(node, f"drop:{body_name}", i) for i, stmt in enumerate(body)
                              if id(stmt) not in skip]
    sites.sort(key=lambda s: (getattr(s[0], "lineno", 0), getattr(s[0], "col_offset", 0)))
    return sites


def _apply(node: ast.AST, kind: str, variant: int) -> str:
    """Mutate ``node`` in place; describe the change."""
    if kind == "compare":
        old = node.ops[variant]
        node.ops[variant] = _COMPARE_SWAPS[type(old)]()
        return f"'{_SYMBOLS[type(old)]}' -> '{_SYMBOLS[type(node.ops[variant])]}'"
    if kind == "binop":
        old = node.op
        node.op = _BINOP_SWAPS[type(old)]()
        return f"'{_SYMBOLS[type(old)]}' -> '{_SYMBOLS[type(node.op)]}'"
    if kind == "boolop":
        old = node.op
        node.op = ast.Or() if isinstance(old, ast.And) else ast.And()
        return f"'{_SYMBOLS[type(old)]}' -> '{_SYMBOLS[type(node.op)]}'"
    if kind == "number":
        old = node.value
        node.value = old + 1
        return f"{old!r} -> {node.value!r}"
    if kind == "bool":
        node.value = not node.value
        return f"{not node.value} -> {node.value}"
    if kind == "negate":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        return "condition negated"
    if kind == "return":
        node.value = ast.Constant(value=None)
        return "return None"
    if kind == "not":
        return "'not' removed"
    body_name = kind.split(":", 1)[1]
    body = getattr(node, body_name)
    dropped = body[variant]
    body[variant] = ast.Pass(lineno=dropped.lineno, col_offset=dropped.col_offset)
    return f"statement at line {dropped.lineno} dropped"


class _Unnot(ast.NodeTransformer):
    def __init__(self, target: ast.AST):
        self.target = target

    def visit_UnaryOp(self, node: ast.UnaryOp):  # noqa: N802
        return node.operand if node is self.target else self.generic_visit(node)


def mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    count = len(_sites(tree))
    found: list[Mutant] = []
    seen: set[str] = set()
    for index in range(count):
        copy_tree = copy.deepcopy(tree)
        node, kind, variant = _sites(copy_tree)[index]
        line = getattr(node, "lineno", 0)
        description = _apply(node, kind, variant)
        if kind == "not":
            copy_tree = _Unnot(node).visit(copy_tree)
        ast.fix_missing_locations(copy_tree)
        try:
            text = ast.unparse(copy_tree)
            compile(text, "<mutant>", "exec")
        except (SyntaxError, ValueError):
            continue
        ident = f"L{line} {description}"
        while ident in seen:
            ident += "'"
        seen.add(ident)
        found.append(Mutant(ident, text))
    return found


def equivalents(tests_dir: Path) -> dict[str, dict[str, str]]:
    """``exercise -> {mutant ident: reason}`` from the chapter's equivalents file."""
    path = tests_dir / "mutants-equivalent.txt"
    found: dict[str, dict[str, str]] = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            exercise, _, rest = line.partition(": ")
            ident, _, reason = rest.rpartition(": ")
            found.setdefault(exercise.strip(), {})[ident.strip()] = reason.strip()
    return found


@dataclass
class ExerciseMutation:
    exercise: Exercise
    tried: int = 0
    killed: int = 0
    equivalent: dict[str, str] = field(default_factory=dict)
    survivors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        counted = self.tried - len(self.equivalent)
        return 100.0 * self.killed / counted if counted else 100.0


SERVER = r'''
import json, os, signal, sys
sys.path[:0] = [p for p in sys.argv[1:] if p]
import pytest  # noqa: F401  (imported once, shared by every forked mutant run)
for name in ("flask", "flask_restx", "sqlalchemy", "werkzeug"):
    try:
        __import__(name)
    except ImportError:
        pass
for demo in sys.argv[1:]:
    for entry in os.listdir(demo) if os.path.isdir(demo) else []:
        if entry.endswith("_demo"):
            try:
                __import__(entry)
            except Exception:
                pass
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.setsid()
        import pytest as p
        os._exit(p.main(job["args"]))
    deadline = job["timeout"]
    signal.signal(signal.SIGALRM, lambda *a: os.killpg(pid, signal.SIGKILL))
    signal.alarm(int(deadline))
    _, status = os.waitpid(pid, 0)
    signal.alarm(0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"code": code}), flush=True)
'''


class _Server:
    """A process that has imported the heavy modules once and forks a child per mutant."""

    def __init__(self, cwd: Path, demo: Path):
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(demo)], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env, start_new_session=True)

    def run(self, args: list[str], timeout: float) -> int:
        self.proc.stdin.write(json.dumps({"args": args, "timeout": timeout}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["code"]

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def mutate_chapter(course: Course, chapter: str, timeout: float = 60.0,
                   progress=None) -> list[ExerciseMutation]:
    tests_dir = course.chapters_dir / chapter / "tests"
    known = equivalents(tests_dir)
    results = []
    server = _Server(course.root, course.chapters_dir / chapter / "demo")
    try:
        for exercise in course.exercises(chapter):
            outcome = ExerciseMutation(exercise)
            marked = known.get(exercise.name, {})
            source = course.solution(exercise).read_text()
            with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
                target = Path(tmp) / chapter / f"{exercise.name}.py"
                target.parent.mkdir()
                for mutant in mutants(source):
                    target.write_text(mutant.source)
                    code = server.run(
                        ["-q", "-x", "-p", "no:cacheprovider", *NO_PLUGINS, f"--impl={tmp}",
                         "--timeout=20", str(exercise.test_file)], timeout)
                    outcome.tried += 1
                    if code != 0:
                        outcome.killed += 1
                    elif mutant.ident in marked:
                        outcome.equivalent[mutant.ident] = marked[mutant.ident]
                    else:
                        outcome.survivors.append(mutant.ident)
            results.append(outcome)
            if progress:
                progress(outcome)
    finally:
        server.close()
    return results


def report_line(result: ExerciseMutation) -> str:
    return (f"  {result.exercise.name:<28} {result.killed:>3}/{result.tried:<3} killed "
            f"({result.rate:5.1f} %)" + (f", {len(result.equivalent)} equivalent"
                                         if result.equivalent else ""))


def run(course: Course, chapter: str | None, minimum: float | None = None) -> bool:
    ok = True
    totals = [0, 0, 0]
    for name in match_chapter(course.chapters(), chapter):
        print(f"{name}:", flush=True)

        def show(result: ExerciseMutation) -> None:
            print(report_line(result), flush=True)
            for ident in result.survivors:
                print(f"      survivor {ident}", flush=True)

        results = mutate_chapter(course, name, progress=show)
        tried = sum(r.tried for r in results)
        killed = sum(r.killed for r in results)
        equivalent = sum(len(r.equivalent) for r in results)
        rate = 100.0 * killed / max(1, tried - equivalent)
        totals = [totals[0] + tried, totals[1] + killed, totals[2] + equivalent]
        print(f"  chapter: {killed}/{tried - equivalent} killed ({rate:.1f} %)", flush=True)
        if minimum is not None and rate < minimum:
            ok = False
    tried, killed, equivalent = totals
    print(f"mutants: {killed}/{tried - equivalent} killed "
          f"({100.0 * killed / max(1, tried - equivalent):.1f} %), {equivalent} marked equivalent")
    return ok
