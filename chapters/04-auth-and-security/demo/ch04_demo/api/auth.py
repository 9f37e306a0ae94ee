"""/auth: register, log in, refresh, log out, who am I."""

from __future__ import annotations

from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_restx import Namespace, Resource, fields

from ch04_demo.errors import problem_model
from ch04_demo.extensions import db
from ch04_demo.services import accounts, tokens

ns = Namespace("auth", description="Accounts and tokens (access + refresh JWTs)")
ns.models[problem_model.name] = problem_model

user_out = ns.model("User", {
    "id": fields.Integer, "username": fields.String, "role": fields.String,
    "created_at": fields.DateTime,
})
credentials = ns.model("Credentials", {
    # Lengths are checked loosely here (a 10 kB password is refused before it is hashed);
    # the policy proper lives in services/passwords.py and answers 422 with every problem.
    "username": fields.String(required=True, min_length=1, max_length=64, example="engineer1"),
    "password": fields.String(required=True, min_length=1, max_length=256,
                              example="Bossung-curve-2024"),
}, strict=True)
token_pair = ns.model("TokenPair", {
    "access_token": fields.String, "refresh_token": fields.String,
    "token_type": fields.String(example="Bearer"),
    "expires_in": fields.Integer(description="access token lifetime, s"),
})
access_only = ns.model("AccessToken", {
    "access_token": fields.String, "token_type": fields.String(example="Bearer"),
    "expires_in": fields.Integer(description="access token lifetime, s"),
})


@ns.route("/register")
class Register(Resource):
    @ns.expect(credentials, validate=True)
    @ns.marshal_with(user_out, code=201)
    @ns.response(400, "Malformed payload", problem_model)
    @ns.response(409, "Username taken", problem_model)
    @ns.response(422, "Username or password refused by the policy", problem_model)
    def post(self):
        """Create an engineer account."""
        body = ns.payload
        return accounts.register(db.session, body["username"], body["password"]), 201


@ns.route("/login")
class Login(Resource):
    @ns.expect(credentials, validate=True)
    @ns.marshal_with(token_pair)
    @ns.response(401, "Unknown username or wrong password (one message for both)",
                 problem_model)
    def post(self):
        """Exchange username and password for an access token and a refresh token."""
        body = ns.payload
        return tokens.issue_tokens(accounts.authenticate(db.session, body["username"],
                                                         body["password"]))


@ns.route("/refresh")
class Refresh(Resource):
    @ns.doc(security="Bearer", description="Authorize with 'Bearer <refresh_token>'.")
    @ns.marshal_with(access_only)
    @ns.response(401, "Missing, expired or revoked refresh token", problem_model)
    @ns.response(422, "Not a refresh token of ours", problem_model)
    @jwt_required(refresh=True)
    def post(self):
        """A new access token for a valid refresh token."""
        return tokens.refresh_access(current_user, get_jwt())


@ns.route("/logout")
class Logout(Resource):
    @ns.doc(security="Bearer")
    @ns.response(204, "Revoked: this access token and its refresh token")
    @ns.response(401, "Missing, expired or revoked token", problem_model)
    @jwt_required()
    def post(self):
        """Revoke the access token presented and the refresh token it was issued with."""
        tokens.revoke(db.session, get_jwt())
        return "", 204


@ns.route("/me")
class Me(Resource):
    @ns.doc(security="Bearer")
    @ns.marshal_with(user_out)
    @ns.response(401, "Missing, expired or revoked token", problem_model)
    @jwt_required()
    def get(self):
        """The calling user."""
        return current_user
