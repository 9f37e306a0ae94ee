"""Pieces every namespace shares: resource base classes (auth and rate limits), role checks,
the problem and page models, query-string parsers and their value types."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any

from flask_jwt_extended import current_user
from flask_restx import Model, Namespace, Resource, fields, reqparse

from litho_platform.errors import ForbiddenError
from litho_platform.extensions import limiter
from litho_platform.limits import rate_limit_key, tier_limit
from litho_platform.models import Role
from litho_platform.services import tokens
from litho_platform.services.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE, Page

# Ids are 32-bit in every supported database; a larger one can only be a 404 or a 400.
ID_MAX = 2**31 - 1
ID_CONVERTER = f"int(max={ID_MAX})"
# Keeps the row offset (page - 1) * per_page far inside what any database accepts.
PAGE_MAX = 100_000

# One budget per caller across the whole API, sized by role (see limits.tier_limit).
api_rate_limit = limiter.limit(tier_limit, key=rate_limit_key, scope="api")


class PublicResource(Resource):
    """No token needed; limited per client address (anonymous tier)."""

    # Class decorators wrap the view restx registers, around its dispatch to the method.
    decorators = [api_rate_limit]


def authenticated(view: Callable) -> Callable:
    """``jwt_required()`` and the API limit: the token is verified before the limiter asks who
    is calling, and the two ask Redis once between them (tokens.verify_request_token)."""

    @wraps(view)
    def gate(*args: Any, **kwargs: Any) -> Any:
        tokens.verify_request_token(
            lambda read: limiter.count(tier_limit, key=rate_limit_key, scope="api", read=read)
        ).enforce()
        return view(*args, **kwargs)

    return gate


class AuthenticatedResource(Resource):
    """A valid access token is required; limited per user at their role's tier."""

    decorators = [authenticated]


def roles_required(*roles: Role) -> Callable:
    """Refuse (403) a caller whose current role is not one of ``roles``.

    The role is read from the database on each request (the user is loaded with the token), so
    a role change applies at once, not when the token expires.
    """

    def decorator(method: Callable) -> Callable:
        @wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                allowed = " or ".join(r.value for r in roles)
                raise ForbiddenError(
                    f"This needs the {allowed} role; you are {current_user.role.value}.",
                    code="role_forbidden",
                )
            return method(*args, **kwargs)

        return wrapper

    return decorator


writer_required = roles_required(Role.ADMIN, Role.ENGINEER)
admin_required = roles_required(Role.ADMIN)


class _Nullable:
    """Marks a field nullable in the Swagger 2.0 way (x-nullable), which contract tests read."""

    def schema(self):
        return {**super().schema(), "x-nullable": True}


class NullableBoolean(_Nullable, fields.Boolean):
    pass


class NullableFloat(_Nullable, fields.Float):
    pass


class NullableInteger(_Nullable, fields.Integer):
    pass


class NullableString(_Nullable, fields.String):
    pass


class NullableDateTime(_Nullable, fields.DateTime):
    pass


class NullableNested(_Nullable, fields.Nested):
    pass


class NullableRaw(_Nullable, fields.Raw):
    pass


class TextOrNumber(fields.Raw):
    """A value that is a string or a number; Swagger 2.0 cannot say so, so no type is given."""

    __schema_type__ = None


error_item = Model(
    "ProblemItem",
    {
        "message": fields.String(required=True),
        "field": NullableString(description="Request field the problem is about"),
        "row": NullableInteger(description="Spreadsheet row (the header is row 1)"),
        "column": NullableString(description="Column header the problem is about"),
    },
)

problem = Model(
    "Problem",
    {
        "type": fields.String(required=True, example="about:blank"),
        "title": fields.String(required=True, example="Not Found"),
        "status": fields.Integer(required=True, example=404),
        "detail": fields.String(required=True),
        "instance": NullableString(description="The request path"),
        "code": fields.String(required=True, description="Stable machine-readable reason"),
        "request_id": NullableString(),
        "errors": fields.List(fields.Nested(error_item)),
    },
)

_ERROR_DESCRIPTIONS = {
    400: "Invalid request (validation problems in errors)",
    401: "Missing, invalid, expired or revoked token",
    403: "Your role does not allow this",
    404: "No such resource (or not yours)",
    409: "Conflicts with the current state",
    413: "Request body over the upload limit",
    415: "Unsupported media type",
    422: "Well-formed but not acceptable (problems in errors)",
    429: "Rate limit exceeded (see Retry-After)",
}


def documents_errors(ns: Namespace, *codes: int) -> Callable:
    """Document the problem responses an operation can give (429 is added to every one)."""

    def decorator(method: Callable) -> Callable:
        for code in sorted({*codes, 429}):
            method = ns.response(code, _ERROR_DESCRIPTIONS[code], problem)(method)
        return method

    return decorator


def page_of(ns: Namespace, name: str, item: Model) -> Model:
    return ns.model(
        name,
        {
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True, description="Items matching the filters"),
            "page": fields.Integer(required=True, description="1-based page number"),
            "per_page": fields.Integer(required=True),
        },
    )


def page_body(page: Page) -> dict[str, Any]:
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page}


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """A query-string integer type with a clear message and a Swagger schema."""

    def parse(value: str) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be an integer, got {value!r}") from None
        if number < low or (high is not None and number > high):
            span = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {span}, got {number}")
        return number

    parse.__schema__ = {"type": "integer", "minimum": low} | (
        {"maximum": high} if high is not None else {}
    )
    return parse


def boolean(value: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"must be true or false, got {value!r}")


boolean.__schema__ = {"type": "boolean"}


def iso_datetime(value: str) -> datetime:
    """An ISO 8601 date or date-time; a date means its midnight, naive values mean UTC."""
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"must be an ISO 8601 date or date-time, got {value!r}") from None
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


iso_datetime.__schema__ = {"type": "string", "format": "date-time"}


def bounded_text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        return value

    parse.__schema__ = {"type": "string", "maxLength": max_length}
    return parse


def pagination_parser() -> reqparse.RequestParser:
    """page (>= 1, default 1) and per_page (1..MAX_PER_PAGE, default DEFAULT_PER_PAGE)."""
    parser = reqparse.RequestParser(bundle_errors=True)
    parser.add_argument(
        "page",
        type=bounded_int(1, PAGE_MAX),
        default=1,
        location="args",
        help="1-based page number.",
    )
    parser.add_argument(
        "per_page",
        type=bounded_int(1, MAX_PER_PAGE),
        default=DEFAULT_PER_PAGE,
        location="args",
        help=f"Items per page, at most {MAX_PER_PAGE}.",
    )
    return parser


def sort_argument(parser: reqparse.RequestParser, keys: list[str], default: str) -> None:
    choices = [*keys, *(f"-{key}" for key in keys)]
    parser.add_argument(
        "sort",
        choices=choices,
        default=default,
        location="args",
        help="Sort key; a leading '-' sorts descending.",
    )
