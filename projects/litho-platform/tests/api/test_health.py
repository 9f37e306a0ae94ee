"""Liveness and readiness."""

from __future__ import annotations

from litho_platform import create_app
from litho_platform.services import health


def test_live_needs_nothing(client, monkeypatch):
    def no_database():
        raise AssertionError("liveness must not touch the database")

    monkeypatch.setattr(health, "_database", no_database)
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_ready_checks_the_database_only_on_the_embedded_default(client):
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert set(response.json["checks"]) == {"database"}


def test_ready_is_503_with_details_when_the_database_is_gone(tmp_path, problem):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3",
        }
    )
    body = problem(app.test_client().get("/health/ready"), 503, "not_ready")
    assert body["checks"]["database"]["ok"] is False
    assert "OperationalError" in body["checks"]["database"]["detail"]


def test_an_unreachable_broker_degrades_readiness_without_failing_it(make_app):
    app = make_app()
    app.config["CELERY"] = {**app.config["CELERY"], "task_always_eager": False}
    app.extensions["celery"].conf.broker_url = "amqp://guest:guest@127.0.0.1:1//"
    response = app.test_client().get("/health/ready")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["broker"] == {
        "ok": False,
        "required": False,
        "detail": response.json["checks"]["broker"]["detail"],
    }
    assert "Connection refused" in response.json["checks"]["broker"]["detail"]
    assert response.json["checks"]["database"]["ok"] is True


def test_root_redirects_to_swagger(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/swagger")
    assert client.get("/swagger").status_code == 200
