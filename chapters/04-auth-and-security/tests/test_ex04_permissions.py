"""Graded tests of ex04_permissions: 401 for who-are-you, 403 for not-allowed, inside a restx
Api with TESTING off (as in production)."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest
from flask import jsonify
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_restx import Api, Resource

from ch04_demo.errors import ProblemApi

HINT = (
    "permissions_of maps the 'role' claim through ROLE_PERMISSIONS and grants nothing "
    "without it; require() calls verify_jwt_in_request(), then raises "
    "werkzeug.exceptions.Forbidden when any needed permission is missing."
)


@pytest.fixture
def api_app(ex, make_jwt_app):
    """An app with a ProblemApi (TESTING off) and three protected resources."""
    app = make_jwt_app()
    api = ProblemApi(app, doc=False)

    @api.route("/lots")
    class Lots(Resource):
        @ex.require("lots:read")
        def get(self):
            """Read lots."""
            return {"lots": []}

        @ex.require("lots:write")
        def post(self):
            return {"created": True}, 201

    @api.route("/admin/users")
    class Users(Resource):
        @ex.require("users:manage", "lots:read")
        def get(self):
            return {"users": []}

    @api.route("/analyses")
    class Analyses(Resource):
        @ex.require("users:manage", "lots:read", "analyses:run")
        def post(self):
            return {"queued": True}, 202

    return app


def token(app, role=None, claims=None, **kwargs):
    extra = dict(claims or {})
    if role is not None:
        extra["role"] = role
    with app.app_context():
        return create_access_token("7", additional_claims=extra, **kwargs)


def call(client, method, path, tok=None):
    headers = {"Authorization": f"Bearer {tok}"} if tok else {}
    return client.open(path, method=method, headers=headers)


@pytest.mark.points(2)
def test_claims_and_permissions(ex):
    assert ex.claims_for("engineer") == {"role": "engineer"}
    with pytest.raises(ValueError):
        ex.claims_for("superuser")
    assert ex.permissions_of({"role": "viewer"}) == frozenset({"lots:read"})
    assert ex.permissions_of({"role": "admin"}) == ex.ROLE_PERMISSIONS["admin"]
    for claims in ({}, {"role": None}, {"role": ["admin"]}, {"role": "root"},
                   {"roles": "admin"}, {"role": "ADMIN"}):
        assert ex.permissions_of(claims) == frozenset(), f"{claims} must grant nothing"


@pytest.mark.points(3)
def test_roles_get_exactly_their_permissions(ex, api_app):
    client = api_app.test_client()
    expected = {
        ("viewer", "GET", "/lots"): 200, ("viewer", "POST", "/lots"): 403,
        ("engineer", "POST", "/lots"): 201, ("engineer", "GET", "/admin/users"): 403,
        ("admin", "GET", "/admin/users"): 200, ("admin", "POST", "/lots"): 201,
    }
    for (role, method, path), status in expected.items():
        r = call(client, method, path, token(api_app, role))
        assert r.status_code == status, f"{role} {method} {path} -> {r.status_code} {r.data!r}"


@pytest.mark.points(3)
def test_missing_or_odd_role_claims_are_forbidden_not_allowed(api_app):
    client = api_app.test_client()
    for claims in ({}, {"role": None}, {"role": "root"}, {"role": ["admin"]},
                   {"perms": ["lots:read", "users:manage"]}):
        r = call(client, "GET", "/lots", token(api_app, claims=claims))
        assert r.status_code == 403, f"token claims {claims} -> {r.status_code} {r.data!r}"


@pytest.mark.points(2)
def test_forbidden_names_the_missing_permissions(api_app):
    r = call(api_app.test_client(), "GET", "/admin/users", token(api_app, "viewer"))
    assert r.status_code == 403
    assert r.get_json()["detail"] == "missing permission: users:manage", r.get_json()
    r = call(api_app.test_client(), "GET", "/admin/users", token(api_app, claims={}))
    assert r.get_json()["detail"] == "missing permission: lots:read, users:manage"
    r = call(api_app.test_client(), "POST", "/analyses", token(api_app, claims={}))
    assert r.get_json()["detail"] == (
        "missing permission: analyses:run, lots:read, users:manage"), r.get_json()


@pytest.mark.points(3)
def test_no_bad_or_expired_token_is_401_or_422_never_403(api_app):
    client = api_app.test_client()
    r = call(client, "GET", "/lots")
    assert r.status_code == 401, f"no token -> {r.status_code} {r.data!r}"
    expired = token(api_app, "admin", expires_delta=timedelta(seconds=-1))
    assert call(client, "GET", "/lots", expired).status_code == 401
    with api_app.app_context():
        refresh = create_refresh_token("7", additional_claims={"role": "admin"})
        claims = decode_token(token(api_app, "viewer"))
    assert call(client, "GET", "/lots", refresh).status_code == 422, "refresh token accepted"
    secret = api_app.config["JWT_SECRET_KEY"]
    escalated = {**claims, "role": "admin"}
    forgeries = {
        "wrong key": pyjwt.encode(escalated, secret + "x", algorithm="HS256"),
        "alg=none": pyjwt.encode(escalated, None, algorithm="none"),
    }
    # A tampered payload: the viewer's real signature on an admin payload.
    header, _, signature = token(api_app, "viewer").split(".")
    body = pyjwt.encode(escalated, secret, algorithm="HS256").split(".")[1]
    forgeries["tampered payload"] = f"{header}.{body}.{signature}"
    for name, forged in forgeries.items():
        r = call(client, "GET", "/admin/users", forged)
        assert r.status_code == 422, f"{name} -> {r.status_code} {r.data!r}"


@pytest.mark.points(2)
def test_works_in_a_plain_restx_api_and_in_plain_flask(ex, make_jwt_app):
    app = make_jwt_app()
    api = Api(app, doc=False)   # restx's own error handling, TESTING off

    @api.route("/lots")
    class Lots(Resource):
        @ex.require("lots:write")
        def post(self):
            return {"created": True}, 201

    @app.get("/plain/one")
    @ex.require("lots:read")
    def plain_one():
        """First."""
        return jsonify(ok=1)

    @app.get("/plain/two")
    @ex.require("lots:read")
    def plain_two():
        return jsonify(ok=2)

    client = app.test_client()
    r = call(client, "POST", "/lots", token(app, "viewer"))
    assert r.status_code == 403, f"restx Api, viewer POST -> {r.status_code} {r.data!r}"
    assert call(client, "GET", "/plain/one", token(app, "viewer")).get_json() == {"ok": 1}
    assert call(client, "GET", "/plain/two", token(app, "viewer")).get_json() == {"ok": 2}
    assert call(client, "GET", "/plain/two", token(app, claims={})).status_code == 403
    assert plain_one.__name__ == "plain_one"
    assert plain_one.__doc__ == "First."


@pytest.mark.points(1)
def test_require_needs_a_permission(ex):
    with pytest.raises(ValueError):
        ex.require()
