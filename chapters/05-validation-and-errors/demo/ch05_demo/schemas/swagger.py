"""pydantic models in restx's Swagger 2.0 document.

``Model.model_json_schema()`` is JSON Schema 2020-12: nested models sit under ``$defs``, an
optional field is ``anyOf: [{...}, {"type": "null"}]``, an exclusive bound is a number and a
one-value ``Literal`` is ``const``.
Swagger 2.0 embeds Draft 4: references point into ``#/definitions``, there is no ``null`` type
and ``exclusiveMinimum`` is a boolean beside ``minimum``. restx takes a raw schema as a
``SchemaModel`` (``ns.schema_model``) but registers in the document only the models it is
shown, not the ones a raw schema refers to, so nested models are inlined here.
"""

from __future__ import annotations

from typing import Any

from flask_restx import Namespace
from flask_restx.model import SchemaModel
from pydantic import BaseModel


def swagger_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema as Swagger 2.0 understands it, with nested models inlined."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    return _convert(schema, definitions)


def _convert(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_convert(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # "#/$defs/MeasurementIn"
        return _convert(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    node = dict(node)
    variants = node.get("anyOf")
    if variants and {"type": "null"} in variants and len(variants) == 2:
        (inner,) = (v for v in variants if v != {"type": "null"})
        del node["anyOf"]
        node = {**inner, **node, "x-nullable": True}
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), (int, float)) and not isinstance(node[bound], bool):
            node[inclusive], node[bound] = node[bound], True
    if "const" in node:  # Literal["nm"]; Draft 4 has no const, a one-value enum says the same
        node["enum"] = [node.pop("const")]
    examples = node.pop("examples", None)  # 2020-12; Swagger 2.0 has the singular "example"
    if examples:
        node["example"] = examples[0]
    return {key: _convert(value, definitions) for key, value in node.items()}


def schema_model(ns: Namespace, model: type[BaseModel]) -> SchemaModel:
    """Register ``model`` on ``ns`` for ``@ns.expect(...)``: documentation, not validation."""
    return ns.schema_model(model.__name__, swagger_schema(model))
