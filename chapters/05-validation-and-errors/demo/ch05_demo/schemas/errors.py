"""pydantic's ``ValidationError`` as per-field problem entries: a pointer, a message, a hint.

pydantic reports ``loc`` (a path of names and indexes), ``msg`` and the rejected ``input``,
in full. A client needs to know where and why; echoing a rejected megabyte back is not that.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

MAX_ECHO = 40
MESSAGES = {"missing": "required", "extra_forbidden": "unknown field"}


def json_pointer(location: Sequence[str | int]) -> str:
    """``("measurements", 3, "cd")`` -> ``"#/measurements/3/cd"`` (RFC 6901, URI fragment form)."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in location)
    return "#" + "".join("/" + part for part in escaped)


def describe(value: Any) -> str:
    """A short rendering of a rejected value: never the whole of a long one, always valid JSON."""
    if isinstance(value, dict):
        return f"object of {len(value)} members"
    if isinstance(value, list):
        return f"array of {len(value)} items"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…"


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """One ``{"pointer", "detail"[, "rejected"]}`` per pydantic error, in pydantic's order."""
    entries = []
    for item in error.errors(include_url=False):
        if item["type"] == "value_error":  # raised by our own validators: keep their words
            detail = str(item["ctx"]["error"])
        else:
            detail = MESSAGES.get(item["type"], item["msg"])
        entry = {"pointer": json_pointer(item["loc"]), "detail": detail}
        if item["type"] != "missing":
            entry["rejected"] = describe(item["input"])
        entries.append(entry)
    return entries
