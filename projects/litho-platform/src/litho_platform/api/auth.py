"""/api/v1/auth: register, log in, refresh, log out, who am I."""

from __future__ import annotations

from flask import request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_restx import Namespace, fields

from litho_platform.api.common import (
    AuthenticatedResource,
    PublicResource,
    api_rate_limit,
    documents_errors,
)
from litho_platform.errors import UnauthorizedError
from litho_platform.extensions import limiter
from litho_platform.limits import login_key, login_limit
from litho_platform.models import Role
from litho_platform.services import tokens, users

ns = Namespace("auth", description="Accounts and tokens (access + refresh JWTs)")

user_model = ns.model(
    "User",
    {
        "id": fields.Integer(required=True),
        "username": fields.String(required=True),
        "email": fields.String(required=True),
        "role": fields.String(required=True, enum=[r.value for r in Role]),
        "is_active": fields.Boolean(required=True),
        "created_at": fields.DateTime(required=True, dt_format="iso8601"),
    },
)

registration = ns.model(
    "Registration",
    {
        "username": fields.String(
            required=True,
            min_length=1,
            max_length=64,
            example="engineer1",
            description="3-32 letters, digits, '.', '_' or '-'",
        ),
        "email": fields.String(
            required=True, min_length=1, max_length=254, example="engineer1@fab.example"
        ),
        "password": fields.String(
            required=True,
            min_length=1,
            max_length=256,
            example="Reticle-Bossung-42",
            description="12+ characters, two kinds of characters, not common, not the username",
        ),
    },
)

credentials = ns.model(
    "Credentials",
    {
        "username": fields.String(required=True, min_length=1, max_length=64),
        "password": fields.String(required=True, min_length=1, max_length=256),
    },
)

token_pair = ns.model(
    "TokenPair",
    {
        "access_token": fields.String(required=True),
        "refresh_token": fields.String(required=True),
        "token_type": fields.String(required=True, example="Bearer"),
        "expires_in": fields.Integer(required=True, description="Access token lifetime, s"),
    },
)

access_token = ns.model(
    "AccessToken",
    {
        "access_token": fields.String(required=True),
        "token_type": fields.String(required=True, example="Bearer"),
        "expires_in": fields.Integer(required=True, description="Access token lifetime, s"),
    },
)


@ns.route("/register")
class Register(PublicResource):
    @ns.expect(registration, validate=True)
    @ns.marshal_with(user_model, code=201, description="Registered (role engineer)")
    @documents_errors(ns, 400, 409, 415, 422)
    def post(self):
        """Create an account; the new user is an engineer."""
        body = request.get_json()
        return users.register(body["username"], body["email"], body["password"]), 201


def _failed_login(response) -> bool:
    return response.status_code == 401


@ns.route("/login")
class Login(PublicResource):
    # Only failed attempts count against the per-username-and-address login limit.
    decorators = [
        limiter.limit(login_limit, key=login_key, scope="login", count_when=_failed_login),
        api_rate_limit,
    ]

    @ns.expect(credentials, validate=True)
    @ns.marshal_with(token_pair, description="Logged in")
    @documents_errors(ns, 400, 401, 415)
    def post(self):
        """Exchange username and password for an access token and a refresh token."""
        body = request.get_json()
        user = users.authenticate(body["username"], body["password"])
        if user is None:
            raise UnauthorizedError("Unknown username, wrong password or deactivated account.")
        return tokens.issue_tokens(user)


@ns.route("/refresh")
class Refresh(PublicResource):
    @ns.doc(security="Bearer", description="Send the refresh token as 'Bearer <refresh_token>'.")
    @ns.marshal_with(access_token, description="A new access token")
    @documents_errors(ns, 401)
    @jwt_required(refresh=True)
    def post(self):
        """Get a new access token with a refresh token."""
        return tokens.refresh_access(current_user, get_jwt())


@ns.route("/logout")
class Logout(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.response(204, "Revoked: this token and the refresh token it came from")
    @documents_errors(ns, 401)
    def post(self):
        """Revoke the access token presented and the refresh token it was issued with."""
        tokens.revoke(get_jwt())
        return "", 204


@ns.route("/me")
class Me(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.marshal_with(user_model, description="The calling user")
    @documents_errors(ns, 401)
    def get(self):
        """The calling user's account."""
        return current_user
