"""User administration: admin only; role changes and deactivation take effect at once."""

from __future__ import annotations

import pytest


def test_admin_lists_users_with_filters(client, admin, engineer, viewer):
    listing = client.get("/api/v1/users", headers=admin.headers).json
    assert listing["total"] == 3
    assert [user["username"] for user in listing["items"]] == ["admin1", "engineer1", "viewer1"]
    viewers = client.get("/api/v1/users?role=viewer", headers=admin.headers).json
    assert [user["id"] for user in viewers["items"]] == [viewer.id]
    found = client.get("/api/v1/users?q=ENGINEER&sort=-username", headers=admin.headers).json
    assert [user["id"] for user in found["items"]] == [engineer.id]
    page = client.get("/api/v1/users?per_page=1&page=3", headers=admin.headers).json
    assert [user["id"] for user in page["items"]] == [viewer.id]


@pytest.mark.parametrize("query", ["role=root", "active=maybe", "per_page=0", "sort=password"])
def test_bad_user_queries_are_400(client, admin, problem, query):
    problem(client.get(f"/api/v1/users?{query}", headers=admin.headers), 400)


@pytest.mark.parametrize("who", ["engineer", "viewer"])
def test_user_administration_is_admin_only(client, request, problem, who):
    user = request.getfixturevalue(who)
    problem(client.get("/api/v1/users", headers=user.headers), 403, "role_forbidden")
    problem(client.get(f"/api/v1/users/{user.id}", headers=user.headers), 403)
    problem(
        client.patch(f"/api/v1/users/{user.id}", json={"role": "admin"}, headers=user.headers), 403
    )


def test_get_unknown_user_is_404(client, admin, problem):
    problem(client.get("/api/v1/users/999", headers=admin.headers), 404)


def test_role_change_applies_to_existing_tokens(
    client, admin, engineer, fem_bytes, upload, problem
):
    response = client.patch(
        f"/api/v1/users/{engineer.id}", json={"role": "viewer"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json["role"] == "viewer"
    problem(upload(engineer, fem_bytes()), 403, "role_forbidden")
    client.patch(f"/api/v1/users/{engineer.id}", json={"role": "engineer"}, headers=admin.headers)
    assert upload(engineer, fem_bytes()).status_code == 201


def test_deactivation_stops_tokens_and_reactivation_restores_login(
    client, admin, engineer, problem
):
    response = client.patch(
        f"/api/v1/users/{engineer.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.json["is_active"] is False
    problem(client.get("/api/v1/auth/me", headers=engineer.headers), 401, "user_inactive")
    refresh = {"Authorization": f"Bearer {engineer.refresh_token}"}
    problem(client.post("/api/v1/auth/refresh", headers=refresh), 401, "user_inactive")
    client.patch(f"/api/v1/users/{engineer.id}", json={"is_active": True}, headers=admin.headers)
    assert client.get("/api/v1/auth/me", headers=engineer.headers).status_code == 200


@pytest.mark.parametrize("change", [{"role": "engineer"}, {"is_active": False}])
def test_admin_cannot_demote_or_deactivate_themself(client, admin, problem, change):
    response = client.patch(f"/api/v1/users/{admin.id}", json=change, headers=admin.headers)
    problem(response, 409, "self_modification")


@pytest.mark.parametrize("body", [{"role": "root"}, {"is_active": "no"}, ["role"]])
def test_invalid_user_update_is_400(client, admin, engineer, problem, body):
    response = client.patch(f"/api/v1/users/{engineer.id}", json=body, headers=admin.headers)
    problem(response, 400, "validation_failed")
