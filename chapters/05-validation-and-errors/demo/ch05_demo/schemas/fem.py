"""The shape of a FEM run payload: types, required members, bounds, no unknown fields.

pydantic checks the shape; ``services/fem.py`` checks what needs the whole run (the focus grid,
points on it). Units are fixed here and stated in the payload, so a CD sent in µm is refused
instead of being stored as 0.045 nm.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from werkzeug.utils import secure_filename

# [0-9], not \d: both Python's re and pydantic's Rust regex engine let \d match any Unicode
# digit, so "W٠١" (Arabic-Indic digits) would pass ^W\d{2}$.
WAFER_ID = r"^W[0-9]{2}$"
LOT_ID = r"^L[0-9]{2}-[0-9]{3}$"
MAX_NOTE = 500


def _plain_text(text: str) -> str:
    """Refuse control characters (other than newline and tab) and bidi/format characters."""
    text = unicodedata.normalize("NFKC", text)
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\n\t") or category == "Cf":
            raise ValueError(f"control or format character U+{ord(char):04X} at {position}")
    if len(text) > MAX_NOTE:
        raise ValueError(f"at most {MAX_NOTE} characters")
    return text


def _file_name(name: str) -> str:
    """Werkzeug's secure_filename, refusing what it would empty ("../..", "...")."""
    safe = secure_filename(name)
    if not safe:
        raise ValueError("no usable characters in the file name")
    return safe[:100]


class StrictModel(BaseModel):
    # strict: "24" is not a number and true is not 1; forbid: a misspelt field is an error;
    # allow_inf_nan=False: pydantic's float takes NaN and inf unless told not to.
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class Units(StrictModel):
    dose: Literal["mJ/cm2"] = "mJ/cm2"
    focus: Literal["um"] = "um"
    cd: Literal["nm"] = "nm"


class MeasurementIn(StrictModel):
    field: int = Field(ge=1, le=500, description="Exposure field number")
    dose: float = Field(gt=0, le=500, description="Dose, mJ/cm²")
    focus: float = Field(ge=-10, le=10, description="Focus, µm")
    cd: float = Field(gt=0, le=5000, description="Critical dimension, nm")


class FemRunIn(StrictModel):
    wafer_id: str = Field(pattern=WAFER_ID, examples=["W01"])
    lot_id: str = Field(pattern=LOT_ID, examples=["L24-001"])
    feature: Literal["dense", "iso"] = "dense"
    source_file: Annotated[str, AfterValidator(_file_name)] | None = Field(
        default=None, max_length=255, examples=["fem_W01.csv"]
    )
    note: Annotated[str, AfterValidator(_plain_text)] | None = Field(
        default=None, max_length=4 * MAX_NOTE  # a cheap bound before normalisation
    )
    units: Units = Field(default_factory=Units)
    focus_grid: list[float] = Field(min_length=3, max_length=101,
                                    description="Programmed foci, µm, strictly increasing")
    measurements: list[MeasurementIn] = Field(min_length=1)

