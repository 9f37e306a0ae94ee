{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
{%- set R = cookiecutter.__resource_class -%}
"""The example resource through HTTP: CRUD, pagination, validation, caching."""

from flask import Flask
from flask.testing import FlaskClient

from {{ cookiecutter.project_slug }}.extensions import db
from {{ cookiecutter.project_slug }}.models import {{ R }}

URL = "/{{ rs }}"


def create(client: FlaskClient, headers: dict[str, str], name: str, description: str = "") -> dict:
    response = client.post(URL, json={"name": name, "description": description}, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def test_create_then_read(client: FlaskClient, write_headers: dict[str, str]) -> None:
    response = client.post(
        URL, json={"name": "  FEM 1 ", "description": "lot 7"}, headers=write_headers
    )

    assert response.status_code == 201
    created = response.json
    assert created["name"] == "FEM 1"
    assert created["created_at"].endswith("+00:00")
    assert response.headers["Location"] == f"{URL}/{created['id']}"
    read = client.get(response.headers["Location"])
    assert read.status_code == 200
    assert read.json == created


def test_list_is_paginated_by_id(client: FlaskClient, write_headers: dict[str, str]) -> None:
    ids = [create(client, write_headers, f"FEM {number}")["id"] for number in range(5)]

    response = client.get(URL, query_string={"page": 2, "per_page": 2})

    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["per_page"]) == (5, 2, 2)
    assert [item["id"] for item in body["items"]] == ids[2:4]
    assert client.get(URL, query_string={"page": 4, "per_page": 2}).json["items"] == []


def test_list_defaults_to_the_first_page(client: FlaskClient) -> None:
    assert client.get(URL).json == {"items": [], "total": 0, "page": 1, "per_page": 20}


def test_page_size_out_of_range_is_422(client: FlaskClient) -> None:
    response = client.get(URL, query_string={"per_page": 1000})

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "per_page" in response.json["errors"]


def test_update_replaces_the_fields(client: FlaskClient, write_headers: dict[str, str]) -> None:
    {{ r }}_url = f"{URL}/{create(client, write_headers, 'old', 'before')['id']}"

    response = client.put({{ r }}_url, json={"name": "new"}, headers=write_headers)

    assert response.status_code == 200
    assert (response.json["name"], response.json["description"]) == ("new", "")
    assert client.get({{ r }}_url).json["name"] == "new"


def test_delete_removes_it(client: FlaskClient, write_headers: dict[str, str]) -> None:
    {{ r }}_id = create(client, write_headers, "doomed")["id"]

    assert client.delete(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}", headers=write_headers).status_code == 204

    missing = client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}")
    assert missing.status_code == 404
    assert missing.json["detail"] == f"{{ R }} {{ '{' }}{{ r }}_id{{ '}' }} does not exist."
    assert client.delete(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}", headers=write_headers).status_code == 404


def test_schema_violations_are_422_with_field_errors(
    client: FlaskClient, write_headers: dict[str, str]
) -> None:
    response = client.post(URL, json={"description": 5}, headers=write_headers)

    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "description"}


def test_blank_name_is_422(client: FlaskClient, write_headers: dict[str, str]) -> None:
    response = client.post(URL, json={"name": "   "}, headers=write_headers)

    assert response.status_code == 422
    assert response.json["detail"] == "name must contain more than whitespace."


def test_duplicate_name_is_409(client: FlaskClient, write_headers: dict[str, str]) -> None:
    create(client, write_headers, "FEM")

    response = client.post(URL, json={"name": "FEM"}, headers=write_headers)

    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"


def test_read_is_cached_until_a_write(
    app: Flask, client: FlaskClient, write_headers: dict[str, str]
) -> None:
    {{ r }}_id = create(client, write_headers, "cached")["id"]
    client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}")
    with app.app_context():
        db.session.get({{ R }}, {{ r }}_id).name = "changed behind the API"
        db.session.commit()

    assert client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}").json["name"] == "cached"
    client.put(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}", json={"name": "renamed"}, headers=write_headers)
    assert client.get(f"{URL}/{{ '{' }}{{ r }}_id{{ '}' }}").json["name"] == "renamed"


def test_seed_command_creates_examples_once(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()

    assert "Created 3 {{ rs }}." in runner.invoke(args=["seed", "--count", "3"]).output
    assert "Created 0 {{ rs }}." in runner.invoke(args=["seed", "--count", "3"]).output
    assert client.get(URL).json["total"] == 3
{%- if cookiecutter.auth == "jwt" %}


def test_writes_need_a_token(client: FlaskClient) -> None:
    response = client.post(URL, json={"name": "anonymous"})

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get(URL).status_code == 200
{%- endif %}
