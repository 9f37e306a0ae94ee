{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
{%- set R = cookiecutter.__resource_class -%}
{%- set title = cookiecutter.__resource_title -%}
{%- set jwt = cookiecutter.auth == "jwt" -%}
"""The example resource: CRUD on /{{ rs }} with offset pagination."""

from http import HTTPStatus

from flask import current_app, url_for
{% if jwt %}from flask_jwt_extended import jwt_required
{% endif %}from flask_restx import Namespace, Resource, fields, inputs, marshal, reqparse

from ..extensions import cache, db, limiter
from ..models.{{ r }} import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH
from ..services import {{ rs }} as service
{% if cookiecutter.use_celery == "yes" %}from ..tasks.{{ rs }} import process_{{ r }}
{% endif %}
ns = Namespace("{{ rs }}", description="The example resource")

{{ r }}_input = ns.model(
    "{{ R }}Input",
    {
        "name": fields.String(
            required=True,
            min_length=1,
            max_length=NAME_MAX_LENGTH,
            example="Focus-exposure matrix 42",
        ),
        "description": fields.String(
            max_length=DESCRIPTION_MAX_LENGTH,
            example="Lot 7, wafer 3, resist A",
        ),
    },
)
{{ r }}_output = ns.model(
    "{{ R }}",
    {
        "id": fields.Integer(readonly=True),
        "name": fields.String,
        "description": fields.String,
        "created_at": fields.DateTime(dt_format="iso8601"),
        "updated_at": fields.DateTime(dt_format="iso8601"),
{%- if cookiecutter.use_celery == "yes" %}
        "processed_at": fields.DateTime(dt_format="iso8601"),
{%- endif %}
    },
)
page_output = ns.model(
    "{{ R }}Page",
    {
        "items": fields.List(fields.Nested({{ r }}_output)),
        "total": fields.Integer(description="Number of {{ rs }} on all pages"),
        "page": fields.Integer,
        "per_page": fields.Integer,
    },
)
{%- if cookiecutter.use_celery == "yes" %}
task_output = ns.model("QueuedTask", {"task_id": fields.String})
{%- endif %}

page_args = reqparse.RequestParser()
page_args.add_argument(
    "page", type=inputs.positive, default=1, location="args", help="Page number, from 1"
)
page_args.add_argument(
    "per_page",
    type=inputs.int_range(1, service.MAX_PER_PAGE),
    default=service.DEFAULT_PER_PAGE,
    location="args",
    help=f"Page size, 1 to {service.MAX_PER_PAGE}",
)

# Writes get a tighter limit of their own; reads share the default limit.
limit_writes = limiter.limit(
    lambda: current_app.config["RATELIMIT_WRITE"],
    methods=["POST", "PUT", "DELETE"],
)


def read_payload() -> dict[str, str]:
    """The validated body's fields, so unknown keys never reach the service."""
    return {"name": ns.payload["name"], "description": ns.payload.get("description", "")}


@ns.route("")
class {{ R }}List(Resource):
    decorators = [limit_writes]

    @ns.expect(page_args)
    @ns.marshal_with(page_output)
    def get(self) -> service.Page:
        """List {{ rs }} by id, one page at a time."""
        args = page_args.parse_args()
        return service.list_{{ rs }}(db.session, page=args["page"], per_page=args["per_page"])

{% if jwt %}    @ns.doc(security="bearer")
{% endif %}    @ns.expect({{ r }}_input, validate=True)
    @ns.marshal_with({{ r }}_output, code=HTTPStatus.CREATED)
{%- if jwt %}
    @jwt_required()
{%- endif %}
    def post(self) -> tuple[object, HTTPStatus, dict[str, str]]:
        """Create one {{ title }}; the name must be unique."""
        {{ r }} = service.create_{{ r }}(db.session, **read_payload())
        location = url_for("api.{{ r }}", {{ r }}_id={{ r }}.id)
        return {{ r }}, HTTPStatus.CREATED, {"Location": location}


@ns.route("/<int:{{ r }}_id>", endpoint="{{ r }}")
@ns.response(HTTPStatus.NOT_FOUND, "No {{ title }} has this id")
class {{ R }}Detail(Resource):
    decorators = [limit_writes]

    @ns.response(HTTPStatus.OK, "The {{ title }}", {{ r }}_output)
    def get(self, {{ r }}_id: int) -> dict[str, object]:
        """Read one {{ title }}; served from the cache until the next write."""
        key = service.cache_key({{ r }}_id)
        body = cache.get(key)
        if body is None:
            body = marshal(service.get_{{ r }}(db.session, {{ r }}_id), {{ r }}_output)
            cache.set(key, body)
        return body

{% if jwt %}    @ns.doc(security="bearer")
{% endif %}    @ns.expect({{ r }}_input, validate=True)
    @ns.marshal_with({{ r }}_output)
{%- if jwt %}
    @jwt_required()
{%- endif %}
    def put(self, {{ r }}_id: int) -> object:
        """Replace the name and description of one {{ title }}."""
        {{ r }} = service.update_{{ r }}(db.session, {{ r }}_id, **read_payload())
        cache.delete(service.cache_key({{ r }}_id))
        return {{ r }}

{% if jwt %}    @ns.doc(security="bearer")
{% endif %}    @ns.response(HTTPStatus.NO_CONTENT, "Deleted")
{%- if jwt %}
    @jwt_required()
{%- endif %}
    def delete(self, {{ r }}_id: int) -> tuple[str, HTTPStatus]:
        """Delete one {{ title }}."""
        service.delete_{{ r }}(db.session, {{ r }}_id)
        cache.delete(service.cache_key({{ r }}_id))
        return "", HTTPStatus.NO_CONTENT
{%- if cookiecutter.use_celery == "yes" %}


@ns.route("/<int:{{ r }}_id>/process", endpoint="{{ r }}_process")
@ns.response(HTTPStatus.NOT_FOUND, "No {{ title }} has this id")
class {{ R }}Process(Resource):
    decorators = [limit_writes]

{% if jwt %}    @ns.doc(security="bearer")
{% endif %}    @ns.response(HTTPStatus.ACCEPTED, "Queued", task_output)
{%- if jwt %}
    @jwt_required()
{%- endif %}
    def post(self, {{ r }}_id: int) -> tuple[dict[str, str], HTTPStatus]:
        """Queue background processing; `processed_at` is set when the task has run."""
        service.get_{{ r }}(db.session, {{ r }}_id)
        result = process_{{ r }}.delay({{ r }}_id)
        return {"task_id": result.id}, HTTPStatus.ACCEPTED
{%- endif %}
