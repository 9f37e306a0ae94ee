"""Tests of the chapter 04 demo (not graded): the account and token flows, status codes with
TESTING off, forged tokens, other users' data, API keys, headers, CORS, configuration."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import func, select

from ch04_demo.config import ConfigError, Settings
from ch04_demo.extensions import db
from ch04_demo.models import ApiKey, Lot, Role, User
from ch04_demo.services import accounts

PROBLEM = "application/problem+json"
PASSWORD = "Bossung-curve-2024"
LOT = {"name": "L24-0400", "wafer_count": 25, "target_cd_nm": 45.0}


def register(client, username="eng1", password=PASSWORD):
    return client.post("/auth/register", json={"username": username, "password": password})


def login(client, username="eng1", password=PASSWORD):
    r = client.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/swagger").status_code == 200
    paths = set(client.get("/swagger.json").get_json()["paths"])
    assert {"/auth/login", "/auth/refresh", "/auth/logout", "/lots/", "/api-keys/",
            "/admin/users"} <= paths


def test_register_login_me_refresh_logout(client):
    assert register(client).status_code == 201
    tokens = login(client)
    assert tokens["token_type"] == "Bearer"
    assert client.get("/auth/me", headers=bearer(tokens["access_token"])).get_json()[
        "username"] == "eng1"
    refreshed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200
    access2 = refreshed.get_json()["access_token"]
    assert client.post("/auth/logout", headers=bearer(tokens["access_token"])).status_code == 204
    for token, path in ((tokens["access_token"], "/auth/me"),
                        (tokens["refresh_token"], "/auth/refresh")):
        r = client.open(path, method="GET" if path == "/auth/me" else "POST",
                        headers=bearer(token))
        assert r.status_code == 401, (path, r.get_json())
        assert r.mimetype == PROBLEM
    # An access token minted from the logged-out refresh token dies with it.
    assert client.get("/auth/me", headers=bearer(access2)).status_code == 401


@pytest.mark.parametrize("payload", [
    {"username": "eng1"},
    {"username": "eng1", "password": 123456789012},
    {"username": "eng1", "password": PASSWORD, "role": "admin"},
    {"username": "", "password": PASSWORD},
    {"username": "eng1", "password": "x" * 300},
])
def test_malformed_registrations_are_400_and_store_nothing(client, demo_app, payload):
    r = client.post("/auth/register", json=payload)
    assert r.status_code == 400, r.get_json()
    assert r.mimetype == PROBLEM
    assert count(demo_app, User) == 0


@pytest.mark.parametrize(("username", "password", "field"), [
    ("eng1", "short-1", "password"),
    ("eng1", "password1234", "password"),
    ("eng1", "my-eng1-password", "password"),
    ("e", PASSWORD, "username"),
    ("eng 1", PASSWORD, "username"),
])
def test_policy_refusals_are_422_with_the_field(client, demo_app, username, password, field):
    r = register(client, username, password)
    assert r.status_code == 422, r.get_json()
    assert field in r.get_json()["errors"]
    assert count(demo_app, User) == 0


def test_a_taken_username_is_409_in_any_case(client, demo_app):
    assert register(client, "Eng1").status_code == 201
    r = register(client, "eng1")
    assert r.status_code == 409
    assert count(demo_app, User) == 1


def test_login_does_not_say_which_part_was_wrong(client):
    register(client)
    wrong_password = client.post("/auth/login", json={"username": "eng1", "password": "nope"})
    unknown_user = client.post("/auth/login", json={"username": "nobody", "password": "nope"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.get_json()["detail"] == unknown_user.get_json()["detail"]
    assert wrong_password.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_errors_are_401_or_422_problems_not_500(client, demo_app):
    """TESTING is off here: the restx trap would turn these into 500."""
    assert demo_app.testing is False
    register(client)
    tokens = login(client)
    with demo_app.app_context():
        expired = create_access_token("1", expires_delta=timedelta(seconds=-1))
    claims = pyjwt.decode(tokens["access_token"], options={"verify_signature": False})
    admin_claims = {**claims, "role": "admin"}
    cases = {
        "none": (None, 401),
        "expired": (expired, 401),
        "refresh as access": (tokens["refresh_token"], 422),
        "alg none": (pyjwt.encode(admin_claims, None, algorithm="none"), 422),
        "wrong key": (pyjwt.encode(admin_claims, "x" * 40, algorithm="HS256"), 422),
        "garbage": ("not.a.token", 422),
    }
    for name, (token, status) in cases.items():
        r = client.get("/admin/users", headers=bearer(token) if token else {})
        assert r.status_code == status, (name, r.status_code, r.get_json())
        assert r.mimetype == PROBLEM, name


def test_roles_401_vs_403(client, demo_app):
    register(client)
    with demo_app.app_context():
        accounts.register(db.session, "chief", PASSWORD, Role.ADMIN)
        accounts.register(db.session, "viewer1", PASSWORD, Role.VIEWER)
    engineer = login(client)["access_token"]
    admin = login(client, "chief")["access_token"]
    viewer = login(client, "viewer1")["access_token"]
    assert client.get("/admin/users", headers=bearer(engineer)).status_code == 403
    assert [u["username"] for u in client.get("/admin/users", headers=bearer(admin))
            .get_json()] == ["eng1", "chief", "viewer1"]
    r = client.post("/lots/", json=LOT, headers=bearer(viewer))
    assert r.status_code == 403
    assert count(demo_app, Lot) == 0


def test_another_users_lot_is_not_found(client, demo_app):
    register(client)
    register(client, "eng2")
    mine, theirs = login(client)["access_token"], login(client, "eng2")["access_token"]
    created = client.post("/lots/", json=LOT, headers=bearer(mine))
    assert created.status_code == 201
    lot_id = created.get_json()["id"]
    assert client.get(f"/lots/{lot_id}", headers=bearer(mine)).status_code == 200
    assert client.get(f"/lots/{lot_id}", headers=bearer(theirs)).status_code == 404
    assert client.get("/lots/", headers=bearer(theirs)).get_json() == []


@pytest.mark.parametrize("payload", [
    {**LOT, "name": "l24 lower"}, {**LOT, "wafer_count": 26}, {**LOT, "target_cd_nm": 0},
    {**LOT, "owner_id": 2}, {"name": "L24-0401"},
])
def test_bad_lots_are_400_and_store_nothing(client, demo_app, payload):
    register(client)
    token = login(client)["access_token"]
    r = client.post("/lots/", json=payload, headers=bearer(token))
    assert r.status_code == 400, r.get_json()
    assert r.mimetype == PROBLEM
    assert count(demo_app, Lot) == 0


def test_api_keys_are_shown_once_stored_hashed_and_revocable(client, demo_app):
    register(client)
    token = login(client)["access_token"]
    client.post("/lots/", json=LOT, headers=bearer(token))
    created = client.post("/api-keys/", json={"name": "cd-sem-7"}, headers=bearer(token))
    assert created.status_code == 201
    key = created.get_json()["key"]
    listed = client.get("/api-keys/", headers=bearer(token)).get_json()
    assert "key" not in listed[0]
    with demo_app.app_context():
        stored = db.session.scalar(select(ApiKey))
        assert key not in (stored.key_hash, stored.prefix)
        assert len(stored.key_hash) == 64
    lots = client.get("/lots/", headers={"X-API-Key": key})
    assert [lot["name"] for lot in lots.get_json()] == ["L24-0400"]
    assert client.get("/lots/", headers={"X-API-Key": key + "x"}).status_code == 401
    assert client.delete(f"/api-keys/{listed[0]['id']}", headers=bearer(token)).status_code \
        == 204
    r = client.get("/lots/", headers={"X-API-Key": key})
    assert r.status_code == 401
    assert r.mimetype == PROBLEM


def test_another_users_key_cannot_be_revoked(client):
    register(client)
    register(client, "eng2")
    mine, theirs = login(client)["access_token"], login(client, "eng2")["access_token"]
    key_id = client.post("/api-keys/", json={"name": "k"}, headers=bearer(mine)).get_json()["id"]
    assert client.delete(f"/api-keys/{key_id}", headers=bearer(theirs)).status_code == 404


def test_security_headers(client):
    r = client.get("/swagger.json")
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in r.headers   # plain http in development
    secure = client.get("/swagger.json", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31556926")
    ui = client.get("/swagger")
    assert "'unsafe-inline'" in ui.headers["Content-Security-Policy"]


def test_production_redirects_http_to_https(demo_app):
    from ch04_demo import create_app

    app = create_app(Settings(database_url="sqlite://", force_https=True))
    r = app.test_client().get("/swagger.json")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("https://")


def test_cors_allows_only_the_configured_origin(client):
    allowed = "https://fab-dashboard.example"
    preflight = client.options("/lots/", headers={
        "Origin": allowed, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    other = client.get("/lots/", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_production_refuses_missing_or_short_secrets():
    with pytest.raises(ConfigError):
        Settings.from_env({"APP_ENV": "production"})
    with pytest.raises(ConfigError):
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET_KEY": "short",
                           "API_KEY_PEPPER": "p" * 32})
    settings = Settings.from_env({"APP_ENV": "production", "JWT_SECRET_KEY": "s" * 32,
                                  "API_KEY_PEPPER": "p" * 32, "CORS_ORIGINS": "https://a, https://b"})
    assert (settings.force_https, settings.cors_origins) == (True, ("https://a", "https://b"))
    assert Settings.from_env({}).jwt_secret_key != Settings.from_env({}).jwt_secret_key
