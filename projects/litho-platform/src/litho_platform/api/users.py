"""/api/v1/users: user administration (admin only)."""

from __future__ import annotations

from flask import request
from flask_jwt_extended import current_user
from flask_restx import Namespace, fields

from litho_platform.api.auth import user_model
from litho_platform.api.common import (
    ID_CONVERTER,
    AuthenticatedResource,
    admin_required,
    boolean,
    bounded_text,
    documents_errors,
    page_body,
    page_of,
    pagination_parser,
    sort_argument,
)
from litho_platform.models import Role
from litho_platform.services import users

ns = Namespace("users", description="User administration: list, change role, deactivate (admin)")
ns.add_model(user_model.name, user_model)

user_page = page_of(ns, "UserPage", user_model)

user_update = ns.model(
    "UserUpdate",
    {
        "role": fields.String(enum=[r.value for r in Role], description="New role"),
        "is_active": fields.Boolean(
            description="false deactivates: the user's tokens stop working"
        ),
    },
)

list_args = pagination_parser()
list_args.add_argument(
    "role", choices=[r.value for r in Role], location="args", help="Role filter."
)
list_args.add_argument("active", type=boolean, location="args", help="Active-flag filter.")
list_args.add_argument(
    "q", type=bounded_text(100), location="args", help="Username or email substring."
)
sort_argument(list_args, list(users.USER_SORTS), "id")


@ns.route("")
class UserList(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(list_args)
    @ns.marshal_with(user_page, description="One page of users")
    @documents_errors(ns, 400, 401, 403)
    @admin_required
    def get(self):
        """List users (paginated; filter by role, active, q; sort)."""
        args = list_args.parse_args()
        page = users.list_users(
            args["page"],
            args["per_page"],
            role=args["role"],
            active=args["active"],
            q=args["q"],
            sort=args["sort"],
        )
        return page_body(page)


@ns.route(f"/<{ID_CONVERTER}:user_id>")
class UserItem(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.marshal_with(user_model, description="The user")
    @documents_errors(ns, 401, 403, 404)
    @admin_required
    def get(self, user_id: int):
        """One user."""
        return users.get_user(user_id)

    @ns.doc(security="Bearer")
    @ns.expect(user_update, validate=True)
    @ns.marshal_with(user_model, description="The updated user")
    @documents_errors(ns, 400, 401, 403, 404, 409, 415)
    @admin_required
    def patch(self, user_id: int):
        """Change a user's role and/or deactivate (or reactivate) them."""
        body = request.get_json()
        return users.update_user(
            current_user, user_id, role=body.get("role"), is_active=body.get("is_active")
        )
