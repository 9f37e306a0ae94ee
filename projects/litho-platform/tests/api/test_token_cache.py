"""Verified tokens are remembered (jwt_manager.py) without weakening any check: a token is
verified once, then served from the cache until it expires; a token differing in one character
is verified in full; an expired one and a revoked one are refused as before; only a plain
``Bearer <token>`` header is read without the library's parsing."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_jwt_extended import JWTManager, create_access_token

from litho_platform.jwt_manager import request_bearer_token
from litho_platform.models import User


@pytest.fixture
def full_decodes(monkeypatch):
    """How many times Flask-JWT-Extended really decoded a token."""
    calls = []
    original = JWTManager._decode_jwt_from_config

    def counting(self, encoded_token, *args, **kwargs):
        calls.append(encoded_token)
        return original(self, encoded_token, *args, **kwargs)

    monkeypatch.setattr(JWTManager, "_decode_jwt_from_config", counting)
    return calls


def test_a_token_is_verified_once_then_remembered(client, make_user, full_decodes):
    alice = make_user("alice")
    full_decodes.clear()
    for _ in range(3):
        assert client.get("/api/v1/auth/me", headers=alice.headers).json["username"] == "alice"
    assert full_decodes == [alice.access_token]


def test_a_token_changed_in_its_signature_is_refused(client, make_user, problem, full_decodes):
    alice = make_user("alice")
    assert client.get("/api/v1/auth/me", headers=alice.headers).status_code == 200
    head, payload, signature = alice.access_token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AB' if signature[-2:] != 'AB' else 'CD'}"
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
    problem(response, 401, "token_invalid")
    assert forged in full_decodes


def test_a_remembered_token_is_refused_once_it_expires(app, client, make_user, problem):
    alice = make_user("alice")
    with app.app_context():
        short = create_access_token(
            identity=User(id=alice.id), expires_delta=timedelta(seconds=1)
        )
    headers = {"Authorization": f"Bearer {short}"}
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    time.sleep(1.2)
    problem(client.get("/api/v1/auth/me", headers=headers), 401, "token_expired")


def test_a_remembered_token_is_refused_once_revoked(client, make_user, problem):
    alice = make_user("alice")
    assert client.get("/api/v1/auth/me", headers=alice.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=alice.headers).status_code == 204
    problem(client.get("/api/v1/auth/me", headers=alice.headers), 401, "token_revoked")


def test_claims_handed_out_are_copies(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        jwt_manager = app.extensions["flask-jwt-extended"]
        first = jwt_manager._decode_jwt_from_config(alice.access_token)
        first["sub"] = "someone else"
        assert jwt_manager._decode_jwt_from_config(alice.access_token)["sub"] == str(alice.id)


@pytest.mark.parametrize(
    ("header", "plain"),
    [
        ("Bearer {token}", True),
        ("Bearer  {token}", False),
        ("bearer {token}", False),
        ("Bearer {token}, Basic Zm9vOmJhcg==", False),
        ("Basic Zm9vOmJhcg==, Bearer {token}", False),
        ("{token}", False),
    ],
)
def test_only_the_plain_bearer_form_skips_the_librarys_parsing(app, make_user, header, plain):
    alice = make_user("alice")
    value = header.format(token=alice.access_token)
    with app.test_request_context(headers={"Authorization": value}):
        assert request_bearer_token() == (alice.access_token if plain else None)
    # Every other form is Flask-JWT-Extended's to accept or refuse, as before.
    expected = 200 if "Bearer " in value else 401
    response = app.test_client().get("/api/v1/auth/me", headers={"Authorization": value})
    assert response.status_code == expected
