"""Graded tests of ex02_token_rotation: each refresh token works once; reuse ends the session."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
import pytest
from flask import jsonify
from flask_jwt_extended import create_refresh_token, decode_token, get_jwt, jwt_required

HINT = (
    "Keep, per family id (the 'fam' claim), the jti of the one refresh token that may be "
    "used; rotate() compares the presented jti with it under a lock, revokes the family on a "
    "mismatch, and otherwise issues a new pair and stores the new refresh jti."
)


@pytest.fixture
def rotation(ex, make_jwt_app):
    """(app, client, RefreshRotation) with POST /auth/refresh and GET /whoami."""
    app = make_jwt_app()
    rotation = ex.RefreshRotation()
    rotation.init_app(app)

    @app.get("/whoami")
    @jwt_required()
    def whoami():
        return jsonify(get_jwt())

    return app, app.test_client(), rotation


def login(app, rotation, identity="7", claims=None):
    with app.app_context():
        return rotation.issue(identity, claims if claims is not None else {"role": "engineer"})


def refresh(client, token):
    return client.post("/auth/refresh", headers={"Authorization": f"Bearer {token}"})


def claims_of(app, token):
    with app.app_context():
        return decode_token(token, allow_expired=True)


@pytest.mark.points(2)
def test_issue_returns_a_pair_with_the_claims_and_a_family(rotation):
    app, client, rot = rotation
    pair = login(app, rot)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}, pair
    assert (pair["token_type"], pair["expires_in"]) == ("Bearer", 900)
    access, refresh_claims = claims_of(app, pair["access_token"]), claims_of(app,
                                                                           pair["refresh_token"])
    assert (access["type"], access["sub"], access["role"]) == ("access", "7", "engineer")
    assert (refresh_claims["type"], refresh_claims["sub"]) == ("refresh", "7")
    assert refresh_claims["fam"]
    assert refresh_claims["fam"] == access["fam"]
    assert claims_of(app, login(app, rot)["refresh_token"])["fam"] != refresh_claims["fam"], (
        "every login starts a new family")
    me = client.get("/whoami", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200, me.get_json()


@pytest.mark.points(3)
def test_refresh_rotates_and_the_used_token_is_refused(rotation):
    app, client, rot = rotation
    first = login(app, rot)
    r = refresh(client, first["refresh_token"])
    assert r.status_code == 200, f"refresh with a fresh token -> {r.status_code} {r.get_json()}"
    second = r.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    new_access = claims_of(app, second["access_token"])
    new_refresh = claims_of(app, second["refresh_token"])
    assert (new_access["sub"], new_access["role"], new_access["type"]) == ("7", "engineer",
                                                                           "access")
    assert new_refresh["type"] == "refresh"
    assert new_refresh["fam"] == claims_of(app, first["refresh_token"])["fam"]

    again = refresh(client, first["refresh_token"])
    assert again.status_code == 401, (
        f"the used refresh token was accepted again: {again.status_code} {again.get_json()}")
    assert again.is_json
    assert again.get_json().get("detail")


@pytest.mark.points(3)
def test_reuse_revokes_the_whole_family(rotation):
    app, client, rot = rotation
    first = login(app, rot)
    other = login(app, rot, identity="8")
    second = refresh(client, first["refresh_token"]).get_json()
    assert refresh(client, first["refresh_token"]).status_code == 401   # the replay
    r = refresh(client, second["refresh_token"])
    assert r.status_code == 401, (
        "after a reuse the newest refresh token of that family must be refused too: "
        f"{r.status_code} {r.get_json()}")
    assert refresh(client, other["refresh_token"]).status_code == 200, (
        "another login's family must not be affected")


@pytest.mark.points(2)
def test_a_chain_of_rotations_keeps_working(rotation):
    app, client, rot = rotation
    token = login(app, rot)["refresh_token"]
    seen = {token}
    for step in range(4):
        r = refresh(client, token)
        assert r.status_code == 200, f"rotation {step + 1}: {r.status_code} {r.get_json()}"
        token = r.get_json()["refresh_token"]
        assert token not in seen
        seen.add(token)


@pytest.mark.points(2)
def test_rotate_raises_for_reuse_and_unknown_families(ex, rotation):
    app, _, rot = rotation
    pair = login(app, rot)
    used = claims_of(app, pair["refresh_token"])
    with app.app_context():
        rot.rotate(used)
        with pytest.raises(ex.RefreshReused):
            rot.rotate(used)
        with pytest.raises(ex.RefreshRevoked):
            rot.rotate(used)          # the family is gone now
        with pytest.raises(ex.RefreshRevoked):
            rot.rotate({**used, "fam": "no-such-family"})
        with pytest.raises(ex.RefreshRevoked):
            rot.rotate({k: v for k, v in used.items() if k != "fam"})


@pytest.mark.points(1)
def test_a_revoked_family_cannot_refresh(rotation):
    app, client, rot = rotation
    pair = login(app, rot)
    rot.revoke_family(claims_of(app, pair["refresh_token"])["fam"])
    r = refresh(client, pair["refresh_token"])
    assert r.status_code == 401, f"logged-out family refreshed: {r.status_code} {r.get_json()}"


@pytest.mark.points(2)
def test_wrong_expired_and_forged_tokens(rotation):
    app, client, rot = rotation
    pair = login(app, rot)
    assert refresh(client, pair["access_token"]).status_code == 422, "an access token refreshed"
    assert client.post("/auth/refresh").status_code == 401

    fam = claims_of(app, pair["refresh_token"])["fam"]
    with app.app_context():
        expired = create_refresh_token("7", expires_delta=timedelta(seconds=-1),
                                       additional_claims={"fam": fam})
    assert refresh(client, expired).status_code == 401

    claims = claims_of(app, pair["refresh_token"])
    forged = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"] + "-not-ours",
                          algorithm="HS256")
    unsigned = pyjwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned):
        r = refresh(client, token)
        assert r.status_code == 422, f"forged refresh token -> {r.status_code} {r.get_json()}"
    # The genuine token still works: nothing above consumed it.
    assert refresh(client, pair["refresh_token"]).status_code == 200


@pytest.mark.points(1)
def test_expires_in_follows_the_configured_lifetime(ex, make_jwt_app):
    app = make_jwt_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=5, seconds=30))
    rot = ex.RefreshRotation()
    with app.app_context():
        assert rot.issue("9", {})["expires_in"] == 330
