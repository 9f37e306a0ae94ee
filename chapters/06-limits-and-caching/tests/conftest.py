"""Fixtures for chapter 06: a fresh app per test, on the embedded default or on real Redis.

- ``backend``: where rate limits and the cache live, ``memory`` (``memory://`` and a
  ``SimpleCache``) or ``redis`` (the plugin's ``redis_url``, skipped without a server and
  failed under ``REQUIRE_SERVICES=1``). Each test gets key prefixes of its own and its Redis
  keys are deleted afterwards: other chapters' tests share the server.
- ``exercise_app``: an app around an exercise's Namespace, its limiter and its cache.
- ``clock``: freezes the clock Flask-Limiter and the memory storage read, so windows end when
  the test says so, not when the machine gets round to it.
- ``token``: access tokens, valid, expired or forged.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from types import ModuleType
from typing import Any

import flask_limiter._extension
import jwt as pyjwt
import limits.storage.memory
import pytest
import redis
from flask import Flask
from flask_jwt_extended import create_access_token
from flask_restx import Namespace

from ch06_demo.app import create_app, register_accounts
from ch06_demo.errors import ProblemApi, register_error_handlers
from ch06_demo.extensions import db, jwt
from ch06_demo.models import Wafer
from grading.layout import chapter_of, exercise_of_test
from grading.plugin import load_exercise

TEST_SECRET = "chapter-06-test-secret-long-enough-for-hs256"
FAST_HASH = "pbkdf2:sha256:1000"  # tests log in hundreds of times; production uses scrypt

# lot -> (fab, wafer ids): the data every exercise app starts with.
LOTS = {
    "L1": ("fab1", ["W01", "W02", "W03", "W04", "W05"]),
    "L2": ("fab1", ["W06", "W07", "W08"]),
    "L3": ("fab2", ["W09", "W10", "W11", "W12"]),
}
WAFERS_OF_FAB = {
    "fab1": [w for fab, ids in LOTS.values() if fab == "fab1" for w in ids],
    "fab2": [w for fab, ids in LOTS.values() if fab == "fab2" for w in ids],
}
GOOD_UPDATE = {"status": "hold", "mean_cd_nm": 46.5, "best_focus_um": 0.02,
               "dose_to_size_mj_cm2": 24.4}


def seed_wafers(session) -> None:
    if session.get(Wafer, "W01") is not None:
        return
    for lot_id, (fab, ids) in LOTS.items():
        for slot, wafer_id in enumerate(ids, start=1):
            n = int(wafer_id[1:])
            session.add(Wafer(
                id=wafer_id, lot_id=lot_id, fab=fab, slot=slot, status="measured",
                mean_cd_nm=45.0 + n / 10, best_focus_um=round(-0.05 + n / 100, 3),
                dose_to_size_mj_cm2=24.0 + n / 20, version=1,
            ))
    session.commit()


@dataclass
class Backend:
    """Where limits and cache entries live for one test."""

    name: str
    redis_url: str | None = None
    prefix: str = field(default_factory=lambda: f"course-ch06-{uuid.uuid4().hex[:12]}")

    @property
    def is_redis(self) -> bool:
        return self.redis_url is not None

    def config(self) -> dict[str, Any]:
        if not self.is_redis:
            return {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache",
                    "CACHE_KEY_PREFIX": f"{self.prefix}:cache:"}
        return {
            "RATELIMIT_STORAGE_URI": self.redis_url,
            # limits' own key prefix (default "LIMITS"): one per test, so tests never share
            # a bucket and cleanup can find every key.
            "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"{self.prefix}:limits"},
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": f"{self.prefix}:cache:",
        }

    def client(self) -> redis.Redis:
        assert self.redis_url
        return redis.Redis.from_url(self.redis_url)

    def keys(self, pattern: str = "*") -> list[str]:
        """This test's keys in Redis, decoded."""
        return sorted(k.decode() for k in self.client().scan_iter(f"{self.prefix}:{pattern}"))

    def cleanup(self) -> None:
        if self.is_redis:
            client = self.client()
            keys = list(client.scan_iter(f"{self.prefix}:*"))
            if keys:
                client.delete(*keys)
            client.close()


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else None
    chosen = Backend(request.param, url)
    yield chosen
    chosen.cleanup()


@pytest.fixture
def memory_backend() -> Backend:
    return Backend("memory")


@pytest.fixture
def redis_backend(redis_url: str) -> Iterator[Backend]:
    chosen = Backend("redis", redis_url)
    yield chosen
    chosen.cleanup()


@pytest.fixture
def exercise_app(tmp_path) -> Callable[..., Flask]:
    """Build an app around exercise parts, the way the demo builds its own.

    ``database="file"`` puts the data in one SQLite file shared by every app built with it in
    this test (two "workers" over one database). Unexpected exceptions propagate, so an
    unfinished exercise fails with its ``NotImplementedError`` message.
    """
    database = f"sqlite:///{tmp_path / 'wafers.db'}"

    def build(
        *namespaces: Namespace,
        backend: Backend,
        limiter: Any = None,
        cache: Any = None,
        shared_database: bool = False,
        **config: Any,
    ) -> Flask:
        app = Flask("ch06_exercise")
        app.config.from_mapping(
            PROPAGATE_EXCEPTIONS=True,
            JWT_SECRET_KEY=TEST_SECRET,
            SQLALCHEMY_DATABASE_URI=database if shared_database else "sqlite://",
            PASSWORD_HASH_METHOD=FAST_HASH,
            RESTX_MASK_SWAGGER=False,
            **backend.config(),
            **config,
        )
        db.init_app(app)
        jwt.init_app(app)
        register_accounts(app)
        if cache is not None:
            cache.init_app(app)
        if limiter is not None:
            limiter.init_app(app)
        api = ProblemApi(app, doc="/swagger")
        for ns in namespaces:
            api.add_namespace(ns)
        register_error_handlers(app)
        with app.app_context():
            db.create_all()
            seed_wafers(db.session)
        return app

    return build


@pytest.fixture
def second_worker(request: pytest.FixtureRequest) -> Callable[[], ModuleType]:
    """Another, independent copy of the exercise module: what a second gunicorn worker has
    (its own limiter, its own module state), loaded the way ``ex`` is."""
    chapter, exercise = chapter_of(request.path), exercise_of_test(request.path)
    return lambda: load_exercise(chapter, exercise, request.config)


class FrozenClock:
    """``time`` for the modules that read it: ``time()`` returns ``now``; the rest is real."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Freeze the clock of the memory storage's windows and of Flask-Limiter's headers.

    Redis keeps its own clock (key TTLs): tests on Redis use windows far longer than any
    test, and check counts rather than elapsed time.
    """
    frozen = FrozenClock(1_800_000_000.0)
    monkeypatch.setattr(limits.storage.memory, "time", frozen)
    monkeypatch.setattr(flask_limiter._extension, "time", frozen)
    return frozen


@pytest.fixture
def token() -> Callable[..., str]:
    """``token(app, "alice", role="engineer", fab="fab1")``; ``expired=True`` for an expired
    token, ``forged=True`` for one signed with another key, ``role=None`` to leave it out."""

    def make(app: Flask, sub: str, *, expired: bool = False, forged: bool = False,
             **claims: Any) -> str:
        claims = {k: v for k, v in claims.items() if v is not None}
        if forged:
            now = int(time.time())
            payload = {"sub": sub, "type": "access", "fresh": False, "iat": now, "nbf": now,
                       "jti": uuid.uuid4().hex, "exp": now + 900, **claims}
            return pyjwt.encode(payload, "not-the-server-key-but-just-as-long!!", "HS256")
        with app.app_context():
            return create_access_token(
                identity=sub, additional_claims=claims,
                expires_delta=timedelta(seconds=-30) if expired else None,
            )

    return make


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.get_data(as_text=True)}")
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    assert body["status"] == status
    return body


@pytest.fixture
def problem() -> Callable[[Any, int], dict[str, Any]]:
    return assert_problem


@pytest.fixture
def demo_config(memory_backend: Backend) -> dict[str, Any]:
    """Settings for the demo app in tests: pinned, so the shell's environment cannot leak in."""
    return {
        "JWT_SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "SEED_DEMO_DATA": True,
        "TRUSTED_PROXY_HOPS": 0,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "RATELIMIT_STORAGE_OPTIONS": {},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": False,
        **memory_backend.config(),
    }


@pytest.fixture
def demo_app(demo_config: dict[str, Any]) -> Flask:
    return create_app(demo_config)


@pytest.fixture
def demo_client(demo_app: Flask):
    return demo_app.test_client()
