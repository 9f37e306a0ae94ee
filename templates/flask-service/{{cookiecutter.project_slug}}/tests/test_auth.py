"""Accounts and tokens: register, log in, refresh, and who am I."""

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import User

CREDENTIALS = {"email": "Engineer@Example.com", "password": "correct horse battery"}


def register(client: FlaskClient, credentials: dict[str, str] = CREDENTIALS):
    return client.post("/auth/register", json=credentials)


def login(client: FlaskClient, credentials: dict[str, str] = CREDENTIALS) -> dict[str, str]:
    response = client.post("/auth/login", json=credentials)
    assert response.status_code == 200, response.json
    return response.json


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_register_then_log_in(client: FlaskClient) -> None:
    registered = register(client)

    assert registered.status_code == 201
    assert registered.json["email"] == "engineer@example.com"
    assert "password_hash" not in registered.json
    tokens = login(client, {**CREDENTIALS, "email": "ENGINEER@example.com"})
    me = client.get("/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json["id"] == registered.json["id"]


def test_an_email_registers_once(client: FlaskClient) -> None:
    register(client)

    response = register(client)

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_short_password_is_422(client: FlaskClient) -> None:
    response = register(client, {"email": "a@example.com", "password": "short"})

    assert response.status_code == 422
    assert "password" in response.json["errors"]


def test_wrong_password_is_401(client: FlaskClient) -> None:
    register(client)

    response = client.post("/auth/login", json={**CREDENTIALS, "password": "wrong password"})

    assert response.status_code == 401
    assert response.json["detail"] == "The email or password is wrong."


def test_unknown_email_is_401_with_the_same_message(client: FlaskClient) -> None:
    response = client.post("/auth/login", json=CREDENTIALS)

    assert response.status_code == 401
    assert response.json["detail"] == "The email or password is wrong."


def test_refresh_token_buys_a_new_access_token(client: FlaskClient) -> None:
    register(client)
    tokens = login(client)

    refreshed = client.post("/auth/refresh", headers=bearer(tokens["refresh_token"]))

    assert refreshed.status_code == 200
    me = client.get("/auth/me", headers=bearer(refreshed.json["access_token"]))
    assert me.status_code == 200


def test_tokens_are_not_interchangeable(client: FlaskClient) -> None:
    register(client)
    tokens = login(client)

    assert client.post("/auth/refresh", headers=bearer(tokens["access_token"])).status_code == 401
    assert client.get("/auth/me", headers=bearer(tokens["refresh_token"])).status_code == 401


def test_login_attempts_are_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(ratelimit_login="2 per minute").test_client()

    statuses = [client.post("/auth/login", json=CREDENTIALS).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


def test_token_of_a_deleted_account_is_401(client: FlaskClient, app: Flask) -> None:
    register(client)
    tokens = login(client)
    with app.app_context():
        db.session.execute(delete(User))
        db.session.commit()

    response = client.get("/auth/me", headers=bearer(tokens["access_token"]))

    assert response.status_code == 401
    assert response.json["detail"] == "The token's account no longer exists."
