"""Remembered token checks on PostgreSQL and Redis (services/tokens.py): a known token costs
one Redis round trip (its rate-limit count, which brings the auth epoch along) and no query,
and a logout, role change or deactivation made by another process applies to the very next
request. Two apps on the same database and Redis stand for two gunicorn workers."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from flask import Flask, g
from flask_jwt_extended import current_user, get_jwt, get_jwt_header, get_jwt_request_location
from sqlalchemy import event

from litho_platform import create_app
from litho_platform.api.common import authenticated
from litho_platform.extensions import db, limiter
from litho_platform.models import Role
from litho_platform.services import users

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def workers(helpers, database_url, redis_databases, tmp_path_factory) -> tuple[Flask, Flask]:
    (redis_url,) = redis_databases
    settings = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "APP_ENV": "testing"}
    with helpers.environment(settings):
        first = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("first"))})
        second = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("second"))})
    with first.app_context():
        db.create_all()
    yield first, second
    with first.app_context():
        db.drop_all()
        db.engine.dispose()
    with second.app_context():
        db.engine.dispose()


def sign_in(helpers, app: Flask, username: str, role: Role = Role.ENGINEER,
            token: str = "access_token") -> dict[str, str]:
    with app.app_context():
        users.register(username, f"{username}@fab.example", helpers.PASSWORD, role=role)
    issued = app.test_client().post(
        "/api/v1/auth/login", json={"username": username, "password": helpers.PASSWORD}
    ).json[token]
    return {"Authorization": f"Bearer {issued}"}


@authenticated
def request_state() -> tuple:
    """What a view behind the gate can ask about its caller."""
    return (get_jwt(), get_jwt_header(), get_jwt_request_location(), current_user.id,
            current_user.username, current_user.role, current_user.is_active, g.user_id)


def test_a_known_token_is_not_parsed_again_and_leaves_the_same_state(
    helpers, workers, monkeypatch
):
    app, _ = workers
    headers = sign_in(helpers, app, "parsed")
    with app.test_request_context(headers=headers):
        first = request_state()
    parsed = []
    original = pyjwt.api_jws.PyJWS._load
    monkeypatch.setattr(pyjwt.api_jws.PyJWS, "_load",
                        lambda self, token: parsed.append(token) or original(self, token))
    with app.test_request_context(headers=headers):
        again = request_state()
    assert parsed == []
    assert again == first
    assert first[2:6] == ("headers", int(first[0]["sub"]), "parsed", Role.ENGINEER)


def test_a_known_refresh_token_is_still_no_access_token(helpers, workers):
    app, _ = workers
    refresh = sign_in(helpers, app, "refresher", token="refresh_token")
    client = app.test_client()
    # Verified, its check remembered: the gate must still tell its type apart.
    assert client.post("/api/v1/auth/refresh", headers=refresh).status_code == 200
    for _ in range(2):
        response = client.get("/api/v1/auth/me", headers=refresh)
        assert response.status_code == 401
        assert response.json["code"] == "token_invalid"


def test_a_known_token_costs_one_redis_round_trip_and_no_query(helpers, workers):
    app, _ = workers
    headers = sign_in(helpers, app, "counted")
    client = app.test_client()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    commands, queries = [], []
    with app.app_context():
        store = limiter.counters().primary.client
        engine = db.engine
    original = store.execute_command

    def counting(*args, **options):
        commands.append(args[0])
        return original(*args, **options)

    def query(*args):
        queries.append(args[2])

    store.execute_command = counting
    event.listen(engine, "before_cursor_execute", query)
    try:
        for _ in range(3):
            assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    finally:
        del store.execute_command
        event.remove(engine, "before_cursor_execute", query)
    assert commands == ["EVALSHA"] * 3
    assert queries == []


def test_a_logout_elsewhere_refuses_the_token_at_once(helpers, workers):
    first, second = workers
    headers = sign_in(helpers, first, "leaving")
    here, there = first.test_client(), second.test_client()
    assert here.get("/api/v1/auth/me", headers=headers).status_code == 200
    assert there.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = here.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == "token_revoked"


def changed_elsewhere(helpers, workers, username: str, change: dict) -> tuple:
    """Sign ``username`` in on the first worker and use the token there once; then an admin
    applies ``change`` to them through the second. (client of the first worker, headers)"""
    first, second = workers
    admin = sign_in(helpers, second, f"{username}admin", Role.ADMIN)
    headers = sign_in(helpers, first, username)
    here = first.test_client()
    me = here.get("/api/v1/auth/me", headers=headers).json
    assert me["role"] == "engineer"
    changed = second.test_client().patch(f"/api/v1/users/{me['id']}", json=change, headers=admin)
    assert changed.status_code == 200
    return here, headers


def test_a_role_change_elsewhere_applies_at_once(helpers, workers):
    here, headers = changed_elsewhere(helpers, workers, "demoted", {"role": "viewer"})
    assert here.get("/api/v1/auth/me", headers=headers).json["role"] == "viewer"
    # A viewer may not upload: the new role is the one checked.
    refused = here.post("/api/v1/datasets/mock", json={}, headers=headers)
    assert refused.status_code == 403


def test_a_deactivation_elsewhere_refuses_the_token_at_once(helpers, workers):
    here, headers = changed_elsewhere(helpers, workers, "deactivated", {"is_active": False})
    response = here.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == "user_inactive"
