"""The committed Postman collection is the one generated from the current /swagger.json."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postman_collection.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("postman_collection", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_collection_matches_the_spec(app):
    generator = load_generator()
    spec = app.test_client().get("/swagger.json").json
    committed = generator.DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert committed == generator.render(generator.build_collection(spec)), (
        "regenerate with: python projects/litho-platform/scripts/postman_collection.py"
    )


def test_collection_is_postman_v21_and_covers_every_operation(app):
    generator = load_generator()
    spec = app.test_client().get("/swagger.json").json
    collection = json.loads(generator.DEFAULT_OUTPUT.read_text(encoding="utf-8"))
    assert collection["info"]["schema"].endswith("/v2.1.0/collection.json")
    requests = [item["request"] for folder in collection["item"] for item in folder["item"]]
    operations = {
        (method.upper(), path)
        for path, methods in spec["paths"].items()
        for method in methods
        if method != "parameters"
    }
    assert len(requests) == len(operations) == 25
    for request in requests:
        assert request["url"]["raw"].startswith("{{baseUrl}}/")
        body = request.get("body")
        if body and body["mode"] == "raw":
            json.loads(body["raw"].replace("{{datasetId}}", "1"))
    login = next(
        item
        for folder in collection["item"]
        for item in folder["item"]
        if item["request"]["url"]["raw"].endswith("/auth/login")
    )
    assert "accessToken" in " ".join(login["event"][0]["script"]["exec"])
