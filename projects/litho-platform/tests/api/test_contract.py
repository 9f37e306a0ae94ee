"""Contract test: schemathesis generates requests from /swagger.json (Swagger 2.0, the only
version flask-restx serves), sends them authenticated as an admin, and checks that no response
is a server error and that responses match the documented status codes, media types and
schemas. Examples per operation are bounded to keep the suite fast."""

from __future__ import annotations

import io
import itertools
from collections import Counter

import pytest
import schemathesis
from flask_jwt_extended import create_access_token
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from litho_platform.extensions import db
from litho_platform.models import Role, User
from litho_platform.services import users

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def contract_app(make_app, fem_bytes):
    """An app with an admin who owns one dataset (id 1) and one succeeded analysis (id 1), so
    generated ids sometimes hit real resources. Generated mock datasets are capped small."""
    app = make_app(MAX_DATASET_ROWS=5000)
    with app.app_context():
        users.register("admin1", "admin1@fab.example", "Reticle-Bossung-42", role=Role.ADMIN)
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/login", json={"username": "admin1", "password": "Reticle-Bossung-42"}
    ).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    dataset = client.post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(fem_bytes(noise_sigma=0.2)), "fem.csv")},
        headers=headers,
        content_type="multipart/form-data",
    ).json
    analysis = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=headers,
    )
    assert analysis.json["status"] == "succeeded"
    return app


def operations_of(app):
    schema = schemathesis.openapi.from_wsgi("/swagger.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_api_conforms_to_its_spec(contract_app):
    operations = operations_of(contract_app)
    assert len(operations) == 25
    with contract_app.app_context():
        admin = db.session.scalars(db.select(User).where(User.username_key == "admin1")).one()
    failures = []
    statuses = Counter()
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            # A fresh token per request: a generated logout must not lock out later examples.
            with contract_app.app_context():
                token = create_access_token(identity=db.session.merge(admin))
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            statuses[response.status_code // 100] += 1
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # No request to this operation can violate its schema (it takes no input).
            assert mode is GenerationMode.NEGATIVE, operation.label
        except (Exception, FailureGroup) as exc:  # collect every operation's failures
            failures.append(f"{operation.label} ({mode.value} data): {exc}")
    assert not failures, "\n\n".join(failures)
    # The run exercised the API for real: many requests, successes as well as refusals.
    assert sum(statuses.values()) > 500
    assert statuses[2] > 100
    assert statuses[4] > 100
    assert statuses[5] == 0
