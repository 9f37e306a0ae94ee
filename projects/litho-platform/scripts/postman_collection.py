"""Generate the Postman collection (v2.1) of the API from the service's own /swagger.json.

The spec is read from an in-process app (no server needed), so the collection always matches
the code. Requests are grouped by tag; bodies are built from the spec's models and examples;
the collection authenticates with ``{{accessToken}}``, and the login, upload and analysis
requests store the token and the new ids in collection variables, so the whole path runs in
order from Postman's runner.

    python projects/litho-platform/scripts/postman_collection.py [-o FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from litho_platform import create_app

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parents[3]
    / "docs"
    / "postman"
    / "litho-platform.postman_collection.json"
)
SCHEMA_URL = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
# Path parameter -> collection variable that the earlier requests fill in.
PATH_VARIABLES = {
    "dataset_id": "datasetId",
    "analysis_id": "analysisId",
    "batch_id": "batchId",
    "user_id": "userId",
    "kind": "plotKind",
    "fmt": "plotFormat",
}
VARIABLES = {
    "baseUrl": "http://127.0.0.1:8000",
    "username": "engineer1",
    "password": "Reticle-Bossung-42",
    "accessToken": "",
    "refreshToken": "",
    "datasetId": "1",
    "analysisId": "1",
    "batchId": "1",
    "userId": "1",
    "plotKind": "process-window",
    "plotFormat": "svg",
}
# Required query parameters and the variables that fill them.
QUERY_VARIABLES = {"a": "{{analysisId}}", "b": "{{analysisId}}"}
# Requests that end a session or delete its data run last, from their own folder.
CLEANUP_FOLDER = "clean up"
# flask-restx lists a path's methods in no fixed order; this one keeps the file stable.
METHOD_ORDER = ["get", "post", "put", "patch", "delete"]
# Within a folder, the order a first session follows; other requests keep the spec's order.
FIRST = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/datasets"),
    ("post", "/api/v1/analyses"),
    ("get", "/api/v1/analyses/{analysis_id}"),
]
# Body values that should come from the variables rather than from the spec's examples.
BODY_VARIABLES = {"username": "{{username}}", "password": "{{password}}"}
INTEGER_BODY_VARIABLES = {"dataset_id": "datasetId"}
SAVE_RESPONSE = {
    ("post", "/api/v1/auth/login"): [
        'pm.collectionVariables.set("accessToken", pm.response.json().access_token);',
        'pm.collectionVariables.set("refreshToken", pm.response.json().refresh_token);',
    ],
    ("post", "/api/v1/datasets"): [
        'pm.collectionVariables.set("datasetId", pm.response.json().id);'
    ],
    ("post", "/api/v1/datasets/mock"): [
        'pm.collectionVariables.set("datasetId", pm.response.json().id);'
    ],
    ("post", "/api/v1/analyses"): [
        'pm.collectionVariables.set("analysisId", pm.response.json().id);'
    ],
    ("post", "/api/v1/analyses/batch"): [
        'pm.collectionVariables.set("batchId", pm.response.json().id);'
    ],
}


def load_spec() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance})
        return app.test_client().get("/swagger.json").get_json()


def _example(schema: dict[str, Any], definitions: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _model_example(definitions[schema["$ref"].rsplit("/", 1)[1]], definitions)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "array":
        return [_example(schema.get("items", {}), definitions)]
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return "string"


def _model_example(model: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """Required properties and those with an example: a body a user can send as it is."""
    required = set(model.get("required", []))
    body = {}
    for name, schema in model.get("properties", {}).items():
        if name in required or "example" in schema:
            body[name] = BODY_VARIABLES.get(name, _example(schema, definitions))
    return body


def _json_body(schema: dict[str, Any], definitions: dict[str, Any]) -> str:
    body = _example(schema, definitions)
    for name in INTEGER_BODY_VARIABLES:
        if name in body:
            body[name] = f"__{name}__"
    raw = json.dumps(body, indent=2, ensure_ascii=False)
    for name, variable in INTEGER_BODY_VARIABLES.items():
        raw = raw.replace(f'"__{name}__"', "{{" + variable + "}}")
    return raw


def _url(path: str, query: list[dict[str, Any]]) -> dict[str, Any]:
    # Path parameters become collection variables ({{datasetId}}), which also works inside a
    # segment such as the plot's "{kind}.{fmt}".
    postman_path = re.sub(r"\{(\w+)\}", lambda m: "{{" + PATH_VARIABLES[m[1]] + "}}", path)
    url: dict[str, Any] = {
        "raw": "{{baseUrl}}" + postman_path,
        "host": ["{{baseUrl}}"],
        "path": [part for part in postman_path.split("/") if part],
    }
    if query:
        url["query"] = [
            {
                "key": parameter["name"],
                "value": QUERY_VARIABLES.get(parameter["name"], str(parameter.get("default", ""))),
                "description": parameter.get("description", ""),
                "disabled": not parameter.get("required", False),
            }
            for parameter in query
        ]
        enabled = [
            f"{item['key']}={item['value']}" for item in url["query"] if not item["disabled"]
        ]
        if enabled:
            url["raw"] += "?" + "&".join(enabled)
    return url


def _request(path: str, method: str, operation: dict[str, Any], spec: dict[str, Any]):
    parameters = operation.get("parameters", []) + spec["paths"][path].get("parameters", [])
    request: dict[str, Any] = {
        "method": method.upper(),
        "header": [{"key": "Accept", "value": "application/json"}],
        "url": _url(path, [p for p in parameters if p["in"] == "query"]),
        "description": operation.get("description") or operation.get("summary", ""),
    }
    if not operation.get("security"):
        request["auth"] = {"type": "noauth"}
    elif path.endswith("/auth/refresh"):
        request["auth"] = {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{refreshToken}}", "type": "string"}],
        }
    body = next((p for p in parameters if p["in"] == "body"), None)
    form = [p for p in parameters if p["in"] == "formData"]
    if body is not None:
        request["header"].append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": _json_body(body["schema"], spec.get("definitions", {})),
            "options": {"raw": {"language": "json"}},
        }
    elif form:
        request["body"] = {
            "mode": "formdata",
            "formdata": [
                {"key": p["name"], "type": "file", "src": "examples/fem_clean.csv"}
                if p["type"] == "file"
                else {"key": p["name"], "type": "text", "value": "", "disabled": True}
                for p in form
            ],
        }
    return request


def build_collection(spec: dict[str, Any]) -> dict[str, Any]:
    """The Postman v2.1 collection for a Swagger 2.0 spec: one folder per tag in the spec's tag
    order, then a folder with the deletes and the logout."""
    folders: dict[str, list[dict[str, Any]]] = {tag["name"]: [] for tag in spec.get("tags", [])}
    folders[CLEANUP_FOLDER] = []
    operations = [
        (method, path, methods[method])
        for path, methods in spec["paths"].items()
        for method in sorted(set(methods) & set(METHOD_ORDER), key=METHOD_ORDER.index)
    ]
    operations.sort(key=lambda op: FIRST.index(op[:2]) if op[:2] in FIRST else len(FIRST))
    for method, path, operation in operations:
        item: dict[str, Any] = {
            "name": operation.get("summary") or f"{method.upper()} {path}",
            "request": _request(path, method, operation, spec),
        }
        script = SAVE_RESPONSE.get((method, path))
        if script:
            item["event"] = [
                {
                    "listen": "test",
                    "script": {
                        "type": "text/javascript",
                        "exec": ["if (pm.response.code < 300) {"]
                        + [f"    {line}" for line in script]
                        + ["}"],
                    },
                }
            ]
        cleanup = method == "delete" or path.endswith("/auth/logout")
        folders[CLEANUP_FOLDER if cleanup else operation["tags"][0]].append(item)
    return {
        "info": {
            "name": spec["info"]["title"],
            "description": spec["info"].get("description", ""),
            "schema": SCHEMA_URL,
        },
        "auth": {
            "type": "bearer",
            "bearer": [{"key": "token", "value": "{{accessToken}}", "type": "string"}],
        },
        "variable": [{"key": key, "value": value} for key, value in VARIABLES.items()],
        "item": [{"name": name, "item": items} for name, items in folders.items() if items],
    }


def render(collection: dict[str, Any]) -> str:
    return json.dumps(collection, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    output = parser.parse_args().output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(build_collection(load_spec())), encoding="utf-8")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
