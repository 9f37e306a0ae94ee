"""Tests of the chapter 03 demo (not graded): loading strategies, units of work, the audit log,
migrations in step with the models, configuration and pool settings."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from ch03_demo import create_app
from ch03_demo.config import ConfigError, Settings
from ch03_demo.extensions import MIGRATIONS_DIR, db
from ch03_demo.models import Lot, Measurement
from ch03_demo.services.seed import seed_demo_data

PROBLEM = "application/problem+json"


def fem(fields):
    return [{"field": f, "dose_mj_cm2": 22.0 + f, "focus_um": 0.0, "cd_nm": 45.0 - f}
            for f in range(1, fields + 1)]


def lot_payload(name, slots=(1, 2), fields=3):
    return {"name": name, "wafers": [{"slot": s, "measurements": fem(fields)} for s in slots]}


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/swagger").status_code == 200
    spec = client.get("/swagger.json")
    assert spec.status_code == 200
    assert {"/lots/", "/lots/{name}", "/audit/", "/database/"} <= set(spec.get_json()["paths"])


@pytest.mark.parametrize(("load", "expected_queries"), [("joined", 1), ("selectin", 2),
                                                        ("lazy", 5)])
def test_listing_cost_depends_on_the_loading_strategy(client, load, expected_queries):
    for n in range(4):
        assert client.post("/lots/", json=lot_payload(f"L24-000{n}")).status_code == 201
    response = client.get(f"/lots/?load={load}")
    assert response.status_code == 200
    assert [lot["name"] for lot in response.get_json()] == [f"L24-000{n}" for n in range(4)]
    assert all(lot["wafers"] == [{"slot": 1}, {"slot": 2}] for lot in response.get_json())
    assert response.headers["X-Query-Count"] == str(expected_queries)


def test_create_then_read_a_lot_with_its_measurements(client):
    response = client.post("/lots/", json=lot_payload("L24-0200", slots=(3, 1), fields=2))
    assert response.status_code == 201
    assert response.headers["Location"].endswith("/lots/L24-0200")

    detail = client.get("/lots/L24-0200")
    assert detail.status_code == 200
    assert detail.headers["X-Query-Count"] == "3"
    body = detail.get_json()
    assert [w["slot"] for w in body["wafers"]] == [1, 3]
    assert body["wafers"][0]["measurements"] == fem(2)


def test_a_failed_create_writes_nothing(client, app):
    payload = lot_payload("L24-0201")
    payload["wafers"].append({"slot": 2, "measurements": []})  # slot 2 twice
    response = client.post("/lots/", json=payload)
    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Lot)) == 0
        assert db.session.scalar(select(func.count()).select_from(Measurement)) == 0
    assert client.get("/audit/").get_json() == []


def test_a_taken_name_is_a_conflict(client):
    assert client.post("/lots/", json=lot_payload("L24-0202")).status_code == 201
    response = client.post("/lots/", json=lot_payload("L24-0202"))
    assert response.status_code == 409
    assert response.get_json()["detail"] == "a lot named L24-0202 exists already"


@pytest.mark.parametrize("payload", [
    {"name": "l24 lower case"},
    {"name": "L24-0203", "owner": "unknown field"},
    {"name": "L24-0203", "wafers": [{"slot": 26}]},
    {"name": "L24-0203", "wafers": [{"slot": 1, "measurements": [
        {"field": 1, "dose_mj_cm2": 0, "focus_um": 0.0, "cd_nm": 45.0}]}]},
])
def test_invalid_payloads_are_400_problems(client, payload):
    response = client.post("/lots/", json=payload)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert (body["status"], body["instance"]) == (400, "/lots/")
    assert body["errors"]


def test_changes_are_audited_with_actor_and_changed_fields(client):
    client.post("/lots/", json=lot_payload("L24-0204", slots=(1,)), headers={"X-Actor": "eng-1"})
    hold = {"on_hold": True, "hold_reason": "CD out of spec at field 12"}
    response = client.patch("/lots/L24-0204", json=hold, headers={"X-Actor": "eng-2"})
    assert response.status_code == 200
    assert client.delete("/lots/L24-0204", headers={"X-Actor": "eng-3"}).status_code == 204
    assert client.get("/lots/L24-0204").status_code == 404

    entries = client.get("/audit/").get_json()
    summary = [(e["actor"], e["action"], e["entity"]) for e in reversed(entries)]
    assert summary[:3] == [("eng-1", "insert", "lots"), ("eng-1", "insert", "wafers"),
                           ("eng-2", "update", "lots")]
    assert sorted(summary[3:]) == [("eng-3", "delete", "lots"), ("eng-3", "delete", "wafers")]
    update = entries[2]
    assert update["changes"] == {"on_hold": [False, True],
                                 "hold_reason": [None, "CD out of spec at field 12"]}


def test_errors_are_problem_details(client):
    for path, status in [("/lots/?load=eager", 400), ("/lots/L99-9999", 404),
                         ("/audit/?limit=0", 400), ("/no-such-page", 404)]:
        response = client.get(path)
        assert response.status_code == status, path
        assert response.mimetype == PROBLEM, path
        assert response.get_json()["instance"] == path.split("?")[0]


def test_database_endpoint_reports_the_pool(client):
    body = client.get("/database/").get_json()
    assert (body["dialect"], body["pool_class"], body["engine_options"]) == (
        "sqlite", "StaticPool", {}
    )


def test_settings_read_the_environment():
    settings = Settings.from_env({
        "DATABASE_URL": "postgres://app:secret@db.internal:5432/litho",
        "DB_POOL_SIZE": "8", "DB_MAX_OVERFLOW": "2", "DB_POOL_PRE_PING": "false",
    })
    assert settings.database_url == "postgresql+psycopg://app:secret@db.internal:5432/litho"
    assert settings.engine_options() == {
        "pool_size": 8, "max_overflow": 2, "pool_timeout": 10.0, "pool_recycle": 1800,
        "pool_pre_ping": False,
    }
    assert Settings.from_env({}).engine_options() == {}  # SQLite: no pool sizing
    for bad in ({"DB_POOL_SIZE": "0"}, {"DB_POOL_SIZE": "many"}, {"SQL_ECHO": "perhaps"}):
        with pytest.raises(ConfigError):
            Settings.from_env(bad)


def test_seeding_fills_an_empty_database_once(app):
    with app.app_context():
        assert seed_demo_data(db.session) is True
        assert seed_demo_data(db.session) is False
        assert db.session.scalar(select(func.count()).select_from(Lot)) == 3


def alembic_config(connection):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.fspath(MIGRATIONS_DIR / "versions"))
    config.attributes["connection"] = connection
    return config


def test_migrations_build_the_schema_the_models_describe(engine):
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), "head")
        conn.commit()
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []

    with engine.connect() as conn:
        command.downgrade(alembic_config(conn), "base")
        conn.commit()
    assert inspect(engine).get_table_names() == ["alembic_version"]


def test_the_demo_runs_on_postgresql(postgres_schema_url):
    app = create_app(Settings(database_url=postgres_schema_url, pool_size=2, max_overflow=1))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
    client = app.test_client()
    assert client.post("/lots/", json=lot_payload("L24-0300")).status_code == 201
    assert client.get("/lots/L24-0300").get_json()["wafers"][1]["measurements"] == fem(3)
    body = client.get("/database/").get_json()
    assert (body["dialect"], body["pool_class"]) == ("postgresql", "QueuePool")
    assert body["engine_options"]["pool_size"] == 2
    with app.app_context():
        db.engine.dispose()
