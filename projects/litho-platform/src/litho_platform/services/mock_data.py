"""Mock datasets from the engine's generator, stored like uploads, with their truth attached."""

from __future__ import annotations

from math import prod
from typing import Any

from flask import current_app

from litho import generate_with_truth
from litho.mock import DEFAULT_DOSES, DEFAULT_FOCI
from litho_platform.errors import UnprocessableError
from litho_platform.models import Caller, Dataset
from litho_platform.services import datasets

GENERATOR_PARAMETERS = (
    "doses",
    "foci",
    "target_cd",
    "e0",
    "beta",
    "alpha",
    "f0",
    "isofocal_tilt",
    "quartic",
    "fields",
    "field_focus_offsets",
    "wafers",
    "repeats",
    "noise_sigma",
    "missing_fraction",
    "outlier_fraction",
    "die_coordinates",
    "seed",
)


def create_mock_dataset(owner: Caller, request: dict[str, Any]) -> Dataset:
    """Generate a table with ``litho.generate_with_truth`` and store it as a dataset.

    ``request`` holds any of GENERATOR_PARAMETERS (the generator's defaults apply otherwise)
    and an optional ``name``. The truth (parameters and the answers they imply) is kept in the
    dataset's summary as ``mock_truth``. Raises UnprocessableError when the generator refuses
    the parameters or the table would exceed MAX_DATASET_ROWS.
    """
    parameters = {key: request[key] for key in GENERATOR_PARAMETERS if key in request}
    rows = prod(
        [
            len(parameters.get("doses", DEFAULT_DOSES)),
            len(parameters.get("foci", DEFAULT_FOCI)),
            parameters.get("fields", 1),
            parameters.get("wafers", 1),
            parameters.get("repeats", 1),
        ]
    )
    limit = current_app.config["MAX_DATASET_ROWS"]
    if rows > limit:
        raise UnprocessableError(
            f"These parameters make {rows} rows; the limit is {limit}.", code="too_many_rows"
        )
    try:
        frame, truth = generate_with_truth(**parameters)
    except ValueError as exc:
        raise UnprocessableError(f"The generator refused the parameters: {exc}.") from None
    name = request.get("name") or f"mock FEM (seed {parameters.get('seed', 0)})"
    return datasets.create_from_frame(
        owner, frame, name=name, source="mock", extra_summary={"mock_truth": truth.to_dict()}
    )
