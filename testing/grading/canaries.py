"""Canary tests: graded-looking tests whose outcome only the grader knows in advance.

Before a submission's unit runs, a few canaries are written into the staged copy of each of its
test files: random names made of the file's own words, the file's own point values, the ``ex``
fixture like every graded test, at random places among the real tests; some must pass, at least
one must fail. Code that rewrites pytest's verdicts without knowing which tests are canaries
gets a canary wrong, and the grader then trusts none of that unit's results. Their source is
hidden from the tests' run (``sandbox`` refuses reading the tests' ``*.py`` once they run).
"""

from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from pathlib import Path

_WORDS = ("dose", "focus", "wafer", "field", "lot", "window", "edge", "batch", "target", "range",
          "limit", "order", "empty", "single", "repeat", "units", "mixed", "large", "small")

_PASSING = (
    "    values = [{a}, {b}, {c}]\n"
    "    assert round(sum(values) / len(values), 6) == {mean}, f\"mean of {{values!r}}\"\n",
    "    pairs = {{{a}: {b}, {c}: {a}}}\n"
    "    assert sorted(pairs) == [{lo}, {hi}], f\"keys of {{pairs!r}}\"\n",
    "    text = \"{word}-{n}\"\n"
    "    assert text.split(\"-\") == [\"{word}\", \"{n}\"], f\"split {{text!r}}\"\n",
)
_FAILING = (
    "    values = [{a}, {b}, {c}]\n"
    "    assert round(sum(values) / len(values), 6) == {wrong}, f\"mean of {{values!r}}\"\n",
    "    pairs = {{{a}: {b}, {c}: {a}}}\n"
    "    assert sorted(pairs) == [{hi}, {lo}], f\"keys of {{pairs!r}}\"\n",
    "    text = \"{word}-{n}\"\n"
    "    assert text.split(\"-\") == [\"{word}\", \"{m}\"], f\"split {{text!r}}\"\n",
)


@dataclass(frozen=True)
class Canary:
    name: str
    passes: bool
    after_line: int   # inserted after this line of the original file (1-based; 0: at the top)


def _words(tree: ast.Module) -> list[str]:
    words: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            words += [w for w in node.name[5:].split("_") if w.isalpha() and len(w) > 1]
    return words or list(_WORDS)


def _points(tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "points" and node.args
                and isinstance(node.args[0], ast.Constant)):
            found.append(repr(node.args[0].value))
    return found or ["1", "2"]


def _body(rng: random.Random, passes: bool) -> str:
    a, b, c = sorted(rng.sample(range(2000, 6000), 3))
    a, b, c = (v / 100 for v in rng.sample([a, b, c], 3))
    mean = round((a + b + c) / 3, 6)
    values = {"a": a, "b": b, "c": c, "mean": mean, "wrong": round(mean + rng.choice((-1, 1)) *
              rng.uniform(0.5, 3), 6), "lo": min(a, c), "hi": max(a, c),
              "word": rng.choice(_WORDS), "n": rng.randint(2, 99)}
    values["m"] = values["n"] + rng.randint(1, 9)
    template = rng.choice(_PASSING if passes else _FAILING)
    return template.format(**values)


def plant(test_file: Path, rng: random.Random | None = None) -> list[Canary]:
    """Write 3-4 canaries into ``test_file`` (rewritten in place); return them."""
    rng = rng or random.SystemRandom()
    source = test_file.read_text()
    tree = ast.parse(source)
    taken = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    words, points = _words(tree), _points(tree)
    slots = [n.end_lineno for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    if not slots:
        slots = [len(source.splitlines())]
    count = rng.randint(3, 4)
    outcomes = [False, True] + [rng.random() < 0.5 for _ in range(count - 2)]
    rng.shuffle(outcomes)
    canaries = []
    for passes in outcomes:
        while True:
            parts = rng.sample(words, k=min(len(words), rng.randint(1, 2)))
            name = "test_" + "_".join([*parts, rng.choice(_WORDS)])
            if name not in taken and re.fullmatch(r"test_[a-z0-9_]+", name):
                taken.add(name)
                break
        canaries.append(Canary(name, passes, rng.choice(slots)))
    lines = source.splitlines()
    binds_pytest = any(
        (isinstance(n, ast.Import) and any((a.asname or a.name) == "pytest" for a in n.names))
        for n in tree.body
    )
    inserts: dict[int, list[str]] = {}
    for canary in canaries:
        marker = f"@pytest.mark.points({rng.choice(points)})"
        text = ("" if binds_pytest else "\n\nimport pytest") + (
            f"\n\n{marker}\ndef {canary.name}(ex):\n{_body(rng, canary.passes)}")
        inserts.setdefault(canary.after_line, []).append(text)
    out: list[str] = []
    for number, line in enumerate(lines, 1):
        out.append(line)
        for text in inserts.get(number, []):
            out.extend(text.rstrip("\n").split("\n"))
    test_file.write_text("\n".join(out) + "\n")
    return canaries
