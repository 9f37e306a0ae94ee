"""/auth/login: access tokens, with failed logins rate-limited and successful ones free."""

from __future__ import annotations

from flask import current_app, request
from flask_jwt_extended import create_access_token
from flask_restx import Namespace, Resource, fields

from ch06_demo.errors import problem_model
from ch06_demo.extensions import limiter
from ch06_demo.ratelimits import LOGIN_LIMIT, failed_login, login_key
from ch06_demo.services.accounts import AccountDirectory
from ch06_demo.services.errors import InvalidInput, ServiceError

ns = Namespace("auth", description="Access tokens", path="/auth")
ns.add_model(problem_model.name, problem_model)

credentials = ns.model("Credentials", {
    "username": fields.String(required=True, example="alice"),
    "password": fields.String(required=True, example="alice-pw"),
})
token = ns.model("Token", {"access_token": fields.String, "role": fields.String,
                           "fab": fields.String})


class LoginFailed(ServiceError):
    status = 401


def parse_credentials(body: object) -> tuple[str, str]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", errors={"body": "not an object"})
    errors = {name: "required, a non-empty string" for name in ("username", "password")
              if not isinstance(body.get(name), str) or not body[name].strip()}
    if errors:
        raise InvalidInput("invalid credentials payload", errors=errors)
    return body["username"].strip().lower(), body["password"]


@ns.route("/login")
class Login(Resource):
    # The limit is tested before the view runs and deducted after it, only when deduct_when
    # says so: five wrong passwords per (username, address) in 15 minutes, then 429 even for
    # the right one until the window ends.
    decorators = [limiter.limit(LOGIN_LIMIT, key_func=login_key, deduct_when=failed_login)]

    @ns.expect(credentials)
    @ns.response(200, "Logged in", token)
    @ns.response(400, "Malformed body", problem_model)
    @ns.response(401, "Wrong username or password (counts towards the limit)", problem_model)
    @ns.response(429, "Too many failed logins", problem_model)
    def post(self):
        """Exchange a username and password for an access token."""
        username, password = parse_credentials(request.get_json(silent=True))
        directory: AccountDirectory = current_app.extensions["ch06_accounts"]
        account = directory.authenticate(username, password)
        if account is None:
            raise LoginFailed("wrong username or password")
        access = create_access_token(identity=account.username,
                                     additional_claims=account.claims())
        return {"access_token": access, "role": account.role, "fab": account.fab}
