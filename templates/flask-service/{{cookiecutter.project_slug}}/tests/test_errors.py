"""Every error is RFC 9457 problem details, also with TESTING off (as in production).

flask-restx renders some errors differently when the app is in testing mode, so these
tests build the app as development (TESTING off) on purpose.
"""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
{%- if cookiecutter.auth == "jwt" %}
from flask_jwt_extended import create_access_token
{%- endif %}

from {{ cookiecutter.project_slug }}.services import {{ cookiecutter.resource_plural }}

PROBLEM = "application/problem+json"
URL = "/{{ cookiecutter.resource_plural }}"


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    app = make_app(app_env="development")
    assert not app.testing
    return app.test_client()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.json
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_unknown_url_is_404(client: FlaskClient) -> None:
    body = assert_problem(client.get("/no/such/page"), 404)

    assert body["instance"] == "/no/such/page"


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.patch(URL)

    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_wrong_method_outside_the_api_is_405(client: FlaskClient) -> None:
    assert_problem(client.post("/metrics"), 405)


def test_body_that_is_not_json_is_rejected(client: FlaskClient) -> None:
    response = client.post(URL, data="not json", content_type="application/json")

    assert_problem(response, 400)


def test_unhandled_exception_is_500_without_details(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr({{ cookiecutter.resource_plural }}, "list_{{ cookiecutter.resource_plural }}", broken)

    response = client.get(URL)

    body = assert_problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"
{%- if cookiecutter.auth == "jwt" %}


def test_missing_token_is_401(client: FlaskClient) -> None:
    response = client.get("/auth/me")

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_malformed_token_is_401(client: FlaskClient) -> None:
    response = client.get("/auth/me", headers={"Authorization": "Bearer not-a-jwt"})

    assert_problem(response, 401)


def test_token_signed_with_another_key_is_401(
    client: FlaskClient, make_app: Callable[..., Flask]
) -> None:
    other = make_app(jwt_secret_key="another-key-that-is-at-least-32-characters")
    with other.app_context():
        token = create_access_token(identity="1")

    response = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})

    assert_problem(response, 401)
{%- endif %}
