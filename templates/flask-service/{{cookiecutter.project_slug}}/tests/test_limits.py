"""Rate limits: writes have their own limit, probes have none, limits reset per app."""

from collections.abc import Callable

from flask import Flask

URL = "/{{ cookiecutter.resource_plural }}"


def test_writes_over_the_limit_get_429(
    make_app: Callable[..., Flask], authorize: Callable[[Flask], dict[str, str]]
) -> None:
    app = make_app(ratelimit_write="2 per minute")
    client, write_headers = app.test_client(), authorize(app)
    statuses = [
        client.post(URL, json={"name": f"FEM {n}"}, headers=write_headers).status_code
        for n in range(3)
    ]

    assert statuses == [201, 201, 429]
    refused = client.post(URL, json={"name": "FEM 4"}, headers=write_headers)
    assert refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0


def test_reads_share_the_default_limit(make_app: Callable[..., Flask]) -> None:
    client = make_app(ratelimit_default="2 per minute").test_client()

    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_probes_and_metrics_are_never_limited(make_app: Callable[..., Flask]) -> None:
    client = make_app(ratelimit_default="1 per minute").test_client()

    for path in ["/health/live", "/health/ready", "/metrics"] * 3:
        assert client.get(path).status_code == 200, path


def test_every_app_starts_with_fresh_counters(make_app: Callable[..., Flask]) -> None:
    for _ in range(2):
        client = make_app(ratelimit_default="1 per minute").test_client()
        assert client.get(URL).status_code == 200
