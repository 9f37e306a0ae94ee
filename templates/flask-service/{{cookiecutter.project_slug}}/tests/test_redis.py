"""Cache and rate limits against a real Redis (skipped without one, unless required)."""

from collections.abc import Callable

import redis
from flask import Flask

from {{ cookiecutter.project_slug }}.extensions import cache

URL = "/{{ cookiecutter.resource_plural }}"


def test_cache_and_limits_live_in_redis_under_the_prefix(
    make_app: Callable[..., Flask], redis_url: str, unique_prefix: str
) -> None:
    app = make_app(redis_url=redis_url, key_prefix=unique_prefix, ratelimit_default="2 per minute")
    client = app.test_client()
    store = redis.Redis.from_url(redis_url)
    try:
        with app.app_context():
            cache.set("probe", 42)
            assert cache.get("probe") == 42

        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]
        keys = {key.decode() for key in store.scan_iter(f"{unique_prefix}:*")}
        assert f"{unique_prefix}:cache:probe" in keys
        assert any(key.startswith(f"{unique_prefix}:limits") for key in keys)
        assert client.get("/health/ready").json["checks"]["redis"] == "ok"

        with app.app_context():
            cache.clear()
        assert not list(store.scan_iter(f"{unique_prefix}:cache:*"))
    finally:
        for key in store.scan_iter(f"{unique_prefix}:*"):
            store.delete(key)
        store.close()
