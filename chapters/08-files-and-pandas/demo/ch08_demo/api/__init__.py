"""The HTTP API: one restx Namespace per resource, thin; the work happens in services/."""

from __future__ import annotations

from flask import Flask

from ch08_demo.api.datasets import ns as datasets_ns
from ch08_demo.api.retention import ns as retention_ns
from ch08_demo.errors import ProblemApi, problem_model


def build_api(app: Flask) -> ProblemApi:
    """A fresh Api bound to ``app``; Swagger UI at ``/swagger``."""
    api = ProblemApi(
        app,
        title="Chapter 08 demo: FEM files, validation, exports, retention",
        version="1.0",
        description="Upload a FEM CSV (Dose, Focus, CD; optional Wafer_ID, Field, Feature, X, "
        "Y), get a row-level report, export it streamed, summarise it by condition in chunks, "
        "and clean up old datasets.",
        doc="/swagger",
    )
    api.models[problem_model.name] = problem_model
    api.add_namespace(datasets_ns, path="/datasets")
    api.add_namespace(retention_ns, path="/retention")
    return api
