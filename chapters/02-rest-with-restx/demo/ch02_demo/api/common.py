"""What every namespace shares: the Problem and PageLinks models, query-parameter docs."""

from __future__ import annotations

from collections.abc import Callable

from flask_restx import Model, Namespace, fields
from jsonschema import Draft4Validator

from ch02_demo.errors import problem_model

page_links_model = Model("PageLinks", {
    rel: fields.String(description=f"URL of the {rel} page, null if there is none")
    for rel in ("self", "first", "prev", "next", "last")
})

PAGE_PARAMS = {
    "page": {"type": "integer", "default": 1, "description": "Page number, from 1"},
    "per_page": {"type": "integer", "default": 20, "description": "1 to MAX_PER_PAGE (100)"},
}


def namespace(name: str, description: str) -> Namespace:
    """A Namespace at ``/<name>`` that knows the shared models, so its docs can refer to them."""
    ns = Namespace(name, description=description, path=f"/{name}")
    for model in (problem_model, page_links_model):
        ns.add_model(model.name, model)
    return ns


def page_of(ns: Namespace, item: Model) -> Model:
    """The offset-page envelope ``{items, total, page, per_page, links}`` for ``item``."""
    return ns.model(f"{item.name}Page", {
        "items": fields.List(fields.Nested(item)),
        "total": fields.Integer(description="Items matching the filters, on all pages"),
        "page": fields.Integer,
        "per_page": fields.Integer,
        "links": fields.Nested(page_links_model),
    })


def schema_errors(model: Model) -> Callable[[object], dict[str, str]]:
    """Validate one item against ``model`` the way ``@ns.expect(model, validate=True)`` reports.

    For bodies restx cannot validate item by item (bulk requests). The schema is the one
    Swagger shows, and restx emits Draft 4 schemas, so a Draft 4 validator reads it as meant.
    """
    validator = Draft4Validator(model.__schema__)

    def check(item: object) -> dict[str, str]:
        return dict(model.format_error(error) for error in validator.iter_errors(item))

    return check
