"""/admin: what only administrators may do."""

from __future__ import annotations

from flask_restx import Namespace, Resource

from ch04_demo.api.auth import user_out
from ch04_demo.auth import roles_required
from ch04_demo.errors import problem_model
from ch04_demo.extensions import db
from ch04_demo.models import Role
from ch04_demo.services import accounts

ns = Namespace("admin", description="Administration (role admin)")
ns.models[problem_model.name] = problem_model
ns.models[user_out.name] = user_out


@ns.route("/users")
class UserList(Resource):
    @ns.doc(security="Bearer")
    @ns.marshal_list_with(user_out)
    @ns.response(401, "Missing, expired or revoked token", problem_model)
    @ns.response(403, "Valid token, but not an admin", problem_model)
    @roles_required(Role.ADMIN)
    def get(self):
        """Every account."""
        return accounts.list_users(db.session)
