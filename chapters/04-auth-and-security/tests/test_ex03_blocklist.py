"""Graded tests of ex03_blocklist: memory and Redis blocklists behind the JWT callback.

The Redis tests use the local server through the ``redis_url`` fixture (skipped when it is not
there, failed under ``REQUIRE_SERVICES=1``), each with a key prefix of its own.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
import redis
from flask import jsonify
from flask_jwt_extended import create_access_token, get_jwt, jwt_required
from redis.backoff import NoBackoff
from redis.retry import Retry

HINT = (
    "MemoryBlocklist: a dict jti -> expires_at, blocked while now() < expires_at. "
    "RedisBlocklist: SET prefix+jti with px=ceil((expires_at - now()) * 1000), EXISTS to "
    "check, RedisError -> BlocklistUnavailable. init_blocklist registers the loader on jwt "
    "and returns True (blocked) when the blocklist is unavailable."
)


class Clock:
    def __init__(self, start=1_000_000.0):
        self.t = start

    def __call__(self):
        return self.t


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.services)])
def blocklist(request, ex):
    if request.param == "memory":
        return ex.MemoryBlocklist()
    url, prefix = request.getfixturevalue("redis_prefix")
    return ex.RedisBlocklist(redis.Redis.from_url(url), prefix=prefix)


def app_with(ex, make_jwt_app, blocklist):
    """An app whose /logout revokes the presented token and /lots needs a live one."""
    app = make_jwt_app()
    ex.init_blocklist(app, app.extensions["flask-jwt-extended"], blocklist)

    @app.post("/logout")
    @jwt_required()
    def logout():
        ex.revoke_token(get_jwt(), app.extensions[ex.EXTENSION_KEY])
        return "", 204

    @app.get("/lots")
    @jwt_required()
    def lots():
        return jsonify([])

    return app


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.points(2)
def test_memory_blocklist_holds_an_entry_until_exactly_its_expiry(ex):
    clock = Clock()
    blocklist = ex.MemoryBlocklist(now=clock)
    blocklist.add("jti-1", clock.t + 60)
    assert blocklist.is_blocked("jti-1")
    assert not blocklist.is_blocked("jti-2")
    clock.t += 59.999
    assert blocklist.is_blocked("jti-1"), "blocked until the token's exp, not before"
    clock.t += 0.001
    assert not blocklist.is_blocked("jti-1"), "at exp the token is expired: entry not needed"


@pytest.mark.points(2)
def test_memory_blocklist_forgets_expired_entries(ex):
    clock = Clock()
    blocklist = ex.MemoryBlocklist(now=clock)
    blocklist.add("already-expired", clock.t)
    assert len(blocklist) == 0, "a token that has already expired needs no entry"
    for n in range(5):
        blocklist.add(f"jti-{n}", clock.t + 10 * (n + 1))     # 10, 20, ... 50 s
    assert len(blocklist) == 5
    clock.t += 25
    assert len(blocklist) == 3
    blocklist.add("jti-4", clock.t + 1)      # added again, earlier: the later expiry stays
    clock.t += 20
    assert blocklist.is_blocked("jti-4")
    assert len(blocklist) == 1
    clock.t += 5
    assert len(blocklist) == 0


@pytest.mark.points(2)
@pytest.mark.services
def test_redis_blocklist_keys_expire_no_earlier_than_the_token(ex, redis_prefix):
    url, prefix = redis_prefix
    client = redis.Redis.from_url(url)
    clock = Clock()
    blocklist = ex.RedisBlocklist(client, prefix=prefix, now=clock)
    blocklist.add("jti-a", clock.t + 10.9)
    assert client.exists(prefix + "jti-a"), f"no key {prefix}jti-a in Redis"
    ttl_ms = client.pttl(prefix + "jti-a")
    # The TTL comes from the injected clock (10.9 s), not from Redis' own: PXAT/EXAT with a
    # fake time would be in the past. Truncated to whole seconds it would be 10 s: too short.
    assert 10_000 < ttl_ms <= 11_000, f"PTTL {ttl_ms} ms for a token expiring in 10.9 s"
    blocklist.add("jti-hour", clock.t + 3600)
    ttl_ms = client.pttl(prefix + "jti-hour")
    assert 3_599_000 < ttl_ms <= 3_600_000, f"PTTL {ttl_ms} ms for a token expiring in 1 h"
    assert blocklist.is_blocked("jti-a")
    assert not blocklist.is_blocked("jti-b")
    blocklist.add("jti-old", clock.t - 1)
    blocklist.add("jti-now", clock.t)
    assert not client.exists(prefix + "jti-old"), "an expired token needs no key"
    assert not client.exists(prefix + "jti-now"), "a token expiring now needs no key"
    assert set(client.scan_iter(match=prefix + "*")) == {
        (prefix + "jti-a").encode(), (prefix + "jti-hour").encode()}


@pytest.mark.points(1)
def test_blocklist_from_config_picks_memory_by_default(ex):
    assert isinstance(ex.blocklist_from_config({}), ex.MemoryBlocklist)
    assert isinstance(ex.blocklist_from_config({"REDIS_URL": ""}), ex.MemoryBlocklist)


@pytest.mark.points(1)
@pytest.mark.services
def test_blocklist_from_config_uses_redis_when_configured(ex, redis_prefix):
    url, prefix = redis_prefix
    blocklist = ex.blocklist_from_config({"REDIS_URL": url, "BLOCKLIST_PREFIX": prefix})
    assert isinstance(blocklist, ex.RedisBlocklist)
    blocklist.add("jti-c", time.time() + 60)
    assert redis.Redis.from_url(url).exists(prefix + "jti-c")


@pytest.mark.points(3)
def test_logout_revokes_only_the_presented_token(ex, make_jwt_app, blocklist):
    app = app_with(ex, make_jwt_app, blocklist)
    client = app.test_client()
    with app.app_context():
        mine, other = create_access_token("7"), create_access_token("7")
    assert client.get("/lots", headers=bearer(mine)).status_code == 200
    assert client.post("/logout", headers=bearer(mine)).status_code == 204
    r = client.get("/lots", headers=bearer(mine))
    assert r.status_code == 401, f"a logged-out token -> {r.status_code} {r.get_json()}"
    assert client.get("/lots", headers=bearer(other)).status_code == 200, (
        "revoking one token must not revoke another of the same user")


@pytest.mark.points(1)
def test_one_manager_serves_each_app_its_own_blocklist(ex, make_jwt_app):
    first = app_with(ex, make_jwt_app, ex.MemoryBlocklist())
    second = make_jwt_app()
    second_blocklist = ex.MemoryBlocklist()
    # The same JWTManager object, bound to a second app with its own blocklist.
    manager = first.extensions["flask-jwt-extended"]
    manager.init_app(second)
    ex.init_blocklist(second, manager, second_blocklist)

    @second.get("/lots")
    @jwt_required()
    def lots():
        return jsonify([])

    with first.app_context():
        token = create_access_token("7")
    assert first.test_client().post("/logout", headers=bearer(token)).status_code == 204
    assert first.test_client().get("/lots", headers=bearer(token)).status_code == 401
    assert second.test_client().get("/lots", headers=bearer(token)).status_code == 200, (
        "the loader must ask the current app's blocklist (current_app.extensions)")


@pytest.mark.points(2)
def test_an_unreachable_redis_refuses_tokens(ex, make_jwt_app):
    # No retries: the client would otherwise back off and retry for seconds.
    down = redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=1,
                       retry=Retry(NoBackoff(), 0))
    blocklist = ex.RedisBlocklist(down, prefix="ch04-test:down:")
    with pytest.raises(ex.BlocklistUnavailable):
        blocklist.is_blocked("jti")
    with pytest.raises(ex.BlocklistUnavailable):
        blocklist.add("jti", time.time() + 60)
    app = app_with(ex, make_jwt_app, blocklist)
    with app.app_context():
        token = create_access_token("7")
    r = app.test_client().get("/lots", headers=bearer(token))
    assert r.status_code == 401, (
        f"with the blocklist unreachable a token must be refused (fail closed), got "
        f"{r.status_code}")


@pytest.mark.points(1)
def test_revoke_token_uses_the_tokens_own_expiry(ex, make_jwt_app):
    clock = Clock(start=time.time())
    blocklist = ex.MemoryBlocklist(now=clock)
    app = make_jwt_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(minutes=10))
    with app.app_context():
        from flask_jwt_extended import decode_token
        claims = decode_token(create_access_token("7"))
    ex.revoke_token(claims, blocklist)
    clock.t = claims["exp"] - 0.5
    assert blocklist.is_blocked(claims["jti"])
    clock.t = claims["exp"]
    assert not blocklist.is_blocked(claims["jti"])
