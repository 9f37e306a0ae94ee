"""Reading a JSON body defensively, before any schema sees it.

Flask's ``request.get_json()`` is close but not enough for an API that promises one error shape:
it accepts the non-standard literals ``NaN`` and ``Infinity``, and a deeply nested document makes
the decoder raise ``RecursionError``, which is not a ``ValueError`` and so becomes a 500.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request

from ch05_demo.errors import MalformedRequest, UnsupportedMediaType


class _NonStandardConstant(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    # json.loads calls this for NaN, Infinity and -Infinity, which JSON does not have.
    raise _NonStandardConstant(name)


def json_depth(value: Any) -> int:
    """Nesting depth: 0 for a scalar, 1 for ``[]`` or ``{}``, 2 for ``{"a": []}``..."""
    deepest, stack = 0, [(value, 1)]
    while stack:  # iterative: a recursive walk would fail on the very input it guards against
        node, level = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_json_body(max_depth: int) -> Any:
    """The request's JSON document, or an ``ApiError`` (415, 400); Werkzeug raises the 413."""
    if not request.is_json:  # application/json or application/<anything>+json
        raise UnsupportedMediaType(
            f"send Content-Type: application/json, not {request.mimetype or 'nothing'!r}"
        )
    raw = request.get_data(cache=True)  # RequestEntityTooLarge beyond MAX_CONTENT_LENGTH
    try:
        return _checked(json.loads(raw, parse_constant=_refuse_constant), max_depth)
    except _NonStandardConstant as exc:
        raise MalformedRequest(f"{exc} is not a JSON value; send numbers only") from None
    except RecursionError:
        raise MalformedRequest(f"JSON nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as exc:
        raise MalformedRequest(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (UnicodeDecodeError, ValueError):  # not UTF-8, or an integer of 4300+ digits
        raise MalformedRequest("the body is not a readable JSON document") from None


def _checked(document: Any, max_depth: int) -> Any:
    if json_depth(document) > max_depth:
        raise MalformedRequest(f"JSON nested deeper than {max_depth} levels")
    return document
