"""Registration, password policy, login, refresh, logout, revocation and every JWT failure."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, decode_token

from litho_platform.config import ConfigError
from litho_platform.errors import ConflictError
from litho_platform.extensions import db
from litho_platform.models import Role, User
from litho_platform.services import users

PASSWORD = "Reticle-Bossung-42"
TESTING_MODES = [pytest.param(True, id="testing-on"), pytest.param(False, id="testing-off")]


def register(client, username="alice", email="alice@fab.example", password=PASSWORD):
    return client.post(
        "/api/v1/auth/register", json={"username": username, "email": email, "password": password}
    )


def test_register_creates_an_engineer(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json
    assert body["username"] == "alice"
    assert body["role"] == "engineer"
    assert body["is_active"]
    assert "password" not in str(body)
    assert "hash" not in str(body)


def test_password_is_stored_as_argon2_hash(app, client):
    register(client)
    with app.app_context():
        stored = db.session.scalars(db.select(User)).one().password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


@pytest.mark.parametrize(
    ("username", "email"),
    [("ALICE", "other@fab.example"), ("bob", "Alice@Fab.example")],
    ids=["username-any-case", "email-any-case"],
)
def test_duplicate_username_or_email_is_409(client, problem, username, email):
    register(client)
    problem(register(client, username=username, email=email), 409)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-1a", "at least 12 characters"),
        ("alllowercaseletters", "two kinds of characters"),
        ("aaaaaaaaaaaaaaa1", "5 different characters"),
        ("my-alice-password-9", "must not contain the username"),
        ("Password2024!", "too common"),
        ("qwerty123456", "too common"),
    ],
)
def test_password_policy(client, problem, password, reason):
    body = problem(register(client, password=password), 422, "password_policy")
    assert any(reason in item["message"] for item in body["errors"]), body["errors"]


def test_password_policy_reports_every_broken_rule(client, problem):
    body = problem(register(client, password="alice"), 422, "password_policy")
    assert len(body["errors"]) >= 3


def test_invalid_email_is_422(client, problem):
    problem(register(client, email="not-an-email"), 422, "invalid_email")


def test_invalid_username_is_422(client, problem):
    problem(register(client, username="../etc"), 422, "invalid_username")


def test_failed_registration_stores_nothing(app, client):
    register(client, password="short")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_login_returns_both_tokens(client):
    register(client)
    response = client.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert decode_token_types(client, body) == ("access", "refresh")


def decode_token_types(client, body):
    with client.application.app_context():
        return (
            decode_token(body["access_token"])["type"],
            decode_token(body["refresh_token"])["type"],
        )


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "alice", "password": "Wrong-Password-99"},
        {"username": "nobody", "password": PASSWORD},
    ],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_are_401(client, problem, credentials):
    register(client)
    problem(client.post("/api/v1/auth/login", json=credentials), 401, "invalid_credentials")


def test_me(client, engineer):
    response = client.get("/api/v1/auth/me", headers=engineer.headers)
    assert response.status_code == 200
    assert response.json["username"] == engineer.username


def test_refresh_gives_a_working_access_token(client, engineer):
    response = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {engineer.refresh_token}"}
    )
    assert response.status_code == 200
    token = response.json["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_logout_revokes_access_and_refresh_tokens(client, engineer, problem):
    refreshed = client.post(
        "/api/v1/auth/refresh", headers={"Authorization": f"Bearer {engineer.refresh_token}"}
    ).json["access_token"]
    assert client.post("/api/v1/auth/logout", headers=engineer.headers).status_code == 204
    problem(client.get("/api/v1/auth/me", headers=engineer.headers), 401, "token_revoked")
    refresh_headers = {"Authorization": f"Bearer {engineer.refresh_token}"}
    problem(client.post("/api/v1/auth/refresh", headers=refresh_headers), 401, "token_revoked")
    # Access tokens minted from the revoked refresh token die with it.
    problem(
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {refreshed}"}),
        401,
        "token_revoked",
    )


def test_revocation_holds_across_processes(make_app, tmp_path, problem):
    shared = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    first, second = make_app(**shared), make_app(**shared)
    with first.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
    login = first.test_client().post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.json['access_token']}"}
    assert second.test_client().get("/api/v1/auth/me", headers=headers).status_code == 200
    assert first.test_client().post("/api/v1/auth/logout", headers=headers).status_code == 204
    problem(second.test_client().get("/api/v1/auth/me", headers=headers), 401, "token_revoked")


def _forge(token: str, *, key: str | None, algorithm: str) -> str:
    claims = pyjwt.decode(token, options={"verify_signature": False})
    return pyjwt.encode(claims, key, algorithm=algorithm)


def _expired_token(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        return create_access_token(identity=user, expires_delta=timedelta(seconds=-30))


JWT_FAILURES = {
    "missing": (lambda app, user: {}, "authorization_missing"),
    "malformed-header": (lambda app, user: {"Authorization": "Token abc"}, "authorization_missing"),
    "expired": (
        lambda app, user: {"Authorization": f"Bearer {_expired_token(app, user.id)}"},
        "token_expired",
    ),
    "forged-signature": (
        lambda app, user: {
            "Authorization": "Bearer "
            + _forge(
                user.access_token, key="a-different-secret-of-32-characters!", algorithm="HS256"
            )
        },
        "token_invalid",
    ),
    "alg-none": (
        lambda app, user: {
            "Authorization": "Bearer " + _forge(user.access_token, key=None, algorithm="none")
        },
        "token_invalid",
    ),
    "refresh-as-access": (
        lambda app, user: {"Authorization": f"Bearer {user.refresh_token}"},
        "token_invalid",
    ),
}


@pytest.mark.parametrize("testing", TESTING_MODES)
@pytest.mark.parametrize("case", list(JWT_FAILURES))
def test_jwt_failures_are_401_problems(make_app, problem, testing, case):
    app = make_app(TESTING=testing)
    client = app.test_client()
    with app.app_context():
        user_id = users.register("alice", "alice@fab.example", PASSWORD).id
    tokens = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    ).json
    holder = type("Holder", (), {"id": user_id, **tokens})
    headers_for, code = JWT_FAILURES[case]
    response = client.get("/api/v1/auth/me", headers=headers_for(app, holder))
    problem(response, 401, code)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("testing", TESTING_MODES)
def test_access_token_used_as_refresh_is_401(make_app, problem, testing):
    app = make_app(TESTING=testing)
    client = app.test_client()
    with app.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
    access = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    ).json["access_token"]
    response = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {access}"})
    problem(response, 401, "token_invalid")


@pytest.mark.parametrize("testing", TESTING_MODES)
def test_revoked_token_is_401(make_app, problem, testing):
    app = make_app(TESTING=testing)
    client = app.test_client()
    with app.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
    access = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    ).json["access_token"]
    headers = {"Authorization": f"Bearer {access}"}
    client.post("/api/v1/auth/logout", headers=headers)
    problem(client.get("/api/v1/auth/me", headers=headers), 401, "token_revoked")


@pytest.mark.parametrize("testing", TESTING_MODES)
@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_token_of_a_deactivated_or_deleted_user_is_401(make_app, problem, testing, change):
    app = make_app(TESTING=testing)
    client = app.test_client()
    with app.app_context():
        user = users.register("alice", "alice@fab.example", PASSWORD)
        user_id = user.id
    access = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
    ).json["access_token"]
    with app.app_context():
        user = db.session.get(User, user_id)
        if change == "deactivated":
            user.is_active = False
        else:
            db.session.delete(user)
        db.session.commit()
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
    problem(response, 401, "user_inactive")


def test_deactivated_user_cannot_log_in(app, client, problem):
    with app.app_context():
        user = users.register("alice", "alice@fab.example", PASSWORD)
        user.is_active = False
        db.session.commit()
    response = client.post("/api/v1/auth/login", json={"username": "alice", "password": PASSWORD})
    problem(response, 401, "invalid_credentials")


def test_failed_logins_are_rate_limited_per_username_and_address(make_app, problem):
    app = make_app(RATE_LIMIT_LOGIN="3/minute")
    client = app.test_client()
    with app.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
    wrong = {"username": "alice", "password": "Wrong-Password-99"}
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    response = client.post("/api/v1/auth/login", json=wrong)
    problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    # Another username from the same address has its own counter.
    other = {"username": "bob", "password": "Wrong-Password-99"}
    assert client.post("/api/v1/auth/login", json=other).status_code == 401


def test_successful_logins_do_not_count_against_the_login_limit(make_app):
    app = make_app(RATE_LIMIT_LOGIN="2/minute")
    client = app.test_client()
    with app.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
    for _ in range(4):
        response = client.post(
            "/api/v1/auth/login", json={"username": "alice", "password": PASSWORD}
        )
        assert response.status_code == 200


def test_first_admin_from_environment_is_created_once(make_app, tmp_path, monkeypatch):
    shared = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'admin.sqlite3'}"}
    make_app(**shared)  # builds the schema
    monkeypatch.setenv("LITHO_ADMIN_USERNAME", "root-admin")
    monkeypatch.setenv("LITHO_ADMIN_PASSWORD", "Litho-Admin-Start-77")
    app = make_app(**shared)
    with app.app_context():
        admin = users.find_by_username("root-admin")
        assert admin.role == Role.ADMIN
        original_hash = admin.password_hash
    monkeypatch.setenv("LITHO_ADMIN_PASSWORD", "Another-Admin-Pass-88")
    again = make_app(**shared)
    with again.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1
        assert users.find_by_username("root-admin").password_hash == original_hash


def test_first_admin_created_by_another_worker_meanwhile_is_left_alone(app, monkeypatch):
    # Two workers start together: the other one inserts the admin after this one looked.
    real_register = users.register

    def another_worker_was_faster(username, email, password, **options):
        real_register(username, email, "Other-Worker-Pass-99", **options)
        return real_register(username, email, password, **options)

    monkeypatch.setattr(users, "register", another_worker_was_faster)
    with app.app_context():
        assert users.ensure_admin("root-admin", "Litho-Admin-Start-77") is False
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_first_admin_inserted_by_another_worker_meanwhile_is_left_alone(app, monkeypatch):
    # The other worker's insert lands between this one's checks and its own insert.
    real_hash = users.hash_password

    def another_worker_inserts(hasher, password):
        with db.engine.begin() as other:
            other.execute(db.insert(User).values(
                username="root-admin", username_key="root-admin", email="root@localhost",
                password_hash="x", role=Role.ADMIN, is_active=True,
            ))
        return real_hash(hasher, password)

    monkeypatch.setattr(users, "hash_password", another_worker_inserts)
    with app.app_context():
        assert users.ensure_admin("root-admin", "Litho-Admin-Start-77") is False
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_first_admin_whose_email_belongs_to_someone_else_refuses(app):
    with app.app_context():
        users.register("alice", "alice@fab.example", PASSWORD)
        with pytest.raises(ConflictError):
            users.ensure_admin("root-admin", "Litho-Admin-Start-77", "alice@fab.example")


def test_first_admin_with_a_weak_password_refuses_to_start(make_app, tmp_path, monkeypatch):
    shared = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'admin.sqlite3'}"}
    make_app(**shared)
    monkeypatch.setenv("LITHO_ADMIN_USERNAME", "root-admin")
    monkeypatch.setenv("LITHO_ADMIN_PASSWORD", "password")
    with pytest.raises(ConfigError, match="at least 12 characters"):
        make_app(**shared)


def test_create_admin_command(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@fab.example",
            "--password",
            "Litho-Admin-Start-77",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert users.find_by_username("boss").role == Role.ADMIN


def test_create_admin_command_applies_the_password_policy(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--username",
            "boss",
            "--email",
            "boss@fab.example",
            "--password",
            "boss-password",
        ]
    )
    assert result.exit_code != 0
    assert "password" in result.output
