"""Accounts and JSON Web Tokens: register, log in, refresh, and who am I."""

from http import HTTPStatus
from typing import Any

from flask import current_app
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    current_user,
    get_jwt_identity,
    jwt_required,
)
from flask_restx import Namespace, Resource, fields

from ..extensions import db, jwt, limiter
from ..models import User
from ..models.user import EMAIL_MAX_LENGTH
from ..services import auth as service

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

ns = Namespace("auth", description="Accounts and JSON Web Tokens")

credentials_input = ns.model(
    "Credentials",
    {
        "email": fields.String(
            required=True,
            max_length=EMAIL_MAX_LENGTH,
            pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
            example="engineer@example.com",
        ),
        "password": fields.String(
            required=True,
            min_length=PASSWORD_MIN_LENGTH,
            max_length=PASSWORD_MAX_LENGTH,
            example="correct horse battery",
        ),
    },
)
user_output = ns.model(
    "User",
    {
        "id": fields.Integer(readonly=True),
        "email": fields.String,
        "created_at": fields.DateTime(dt_format="iso8601"),
    },
)
tokens_output = ns.model(
    "Tokens",
    {
        "access_token": fields.String(description="Send as 'Authorization: Bearer <token>'"),
        "refresh_token": fields.String(description="Exchange at /auth/refresh"),
    },
)
access_output = ns.model("AccessToken", {"access_token": fields.String})


# Tokens carry the account id as a string (the "sub" claim must be one); `current_user`
# is the account loaded again on every request, so a deleted account's tokens stop working.
@jwt.user_lookup_loader
def load_user(_header: dict[str, Any], payload: dict[str, Any]) -> User | None:
    return db.session.get(User, int(payload["sub"]))


@ns.route("/register")
class Register(Resource):
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_WRITE"])]

    @ns.expect(credentials_input, validate=True)
    @ns.marshal_with(user_output, code=HTTPStatus.CREATED)
    @ns.response(HTTPStatus.CONFLICT, "The email is already registered")
    def post(self) -> tuple[User, HTTPStatus]:
        """Create an account."""
        user = service.register_user(db.session, ns.payload["email"], ns.payload["password"])
        return user, HTTPStatus.CREATED


@ns.route("/login")
class Login(Resource):
    # Slows down password guessing from one address.
    decorators = [limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])]

    @ns.expect(credentials_input, validate=True)
    @ns.marshal_with(tokens_output)
    @ns.response(HTTPStatus.UNAUTHORIZED, "Wrong email or password")
    def post(self) -> dict[str, str]:
        """Exchange credentials for an access token and a refresh token."""
        user = service.authenticate(db.session, ns.payload["email"], ns.payload["password"])
        return {
            "access_token": create_access_token(identity=str(user.id)),
            "refresh_token": create_refresh_token(identity=str(user.id)),
        }


@ns.route("/refresh")
class Refresh(Resource):
    @ns.doc(security="bearer")
    @ns.marshal_with(access_output)
    @jwt_required(refresh=True)
    def post(self) -> dict[str, str]:
        """Exchange a refresh token (as the bearer token) for a new access token."""
        return {"access_token": create_access_token(identity=get_jwt_identity())}


@ns.route("/me")
class Me(Resource):
    @ns.doc(security="bearer")
    @ns.marshal_with(user_output)
    @jwt_required()
    def get(self) -> User:
        """The account the access token belongs to."""
        return current_user
