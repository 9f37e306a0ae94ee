"""Graded: ex02_payload_schema, nested FEM payload validation with pydantic 2."""

import copy
import json
import math

import pytest

HINT = (
    "ConfigDict(strict=True, extra='forbid', allow_inf_nan=False) on a shared base model; "
    "Field(gt=..., le=...) for the bounds; [0-9] rather than \\d in patterns; then walk "
    "ValidationError.errors() for field_errors."
)


def errors_of(ex, document):
    """The ``errors`` of the RunInvalid that validate_run must raise for ``document``."""
    with pytest.raises(ex.RunInvalid) as caught:
        ex.validate_run(document)
    return {e["pointer"]: e for e in caught.value.errors}


def with_point(payload, index, **changes):
    document = payload()
    document["measurements"][index].update(changes)
    return document


@pytest.mark.points(2)
def test_valid_payload_becomes_models_with_defaults(ex, payload):
    document = payload()
    del document["feature"]
    document["measurements"][0]["dose"] = 22  # an int is a valid float
    original = copy.deepcopy(document)

    run = ex.validate_run(document)
    assert isinstance(run, ex.FemRunIn)
    assert run.feature == "dense"
    assert isinstance(run.measurements[0], ex.MeasurementIn)
    assert run.measurements[0].dose == 22.0
    assert isinstance(run.measurements[0].dose, float)
    assert run.focus_grid == [-0.1, 0.0, 0.1]
    assert document == original
    edges = with_point(payload, 1, dose=500, focus=-10, cd=5000, field=500)
    assert ex.validate_run(edges).measurements[1].cd == 5000
    assert ex.validate_run(with_point(payload, 2, field=1, focus=10, dose=1e-9, cd=1e-9))


@pytest.mark.points(2)
def test_wrong_types_are_refused_not_coerced(ex, payload):
    document = payload()
    document["measurements"][0]["dose"] = "24"
    document["measurements"][1]["field"] = True
    document["measurements"][2]["cd"] = None
    document["measurements"][3]["field"] = 1.5
    document["focus_grid"] = [-0.1, "0", 0.1]
    document["feature"] = ["dense"]

    errors = errors_of(ex, document)
    assert set(errors) == {
        "#/measurements/0/dose", "#/measurements/1/field", "#/measurements/2/cd",
        "#/measurements/3/field", "#/focus_grid/1", "#/feature",
    }, sorted(errors)
    assert errors["#/measurements/0/dose"]["rejected"] == "24"
    assert errors["#/feature"]["rejected"] == "array of 1 items"
    assert set(errors_of(ex, [payload()])) == {"#"}, "a list is not a run"


@pytest.mark.points(2)
def test_unknown_and_missing_fields(ex, payload):
    document = payload(operator="kim")
    document["measurements"][1]["temperature"] = 23.1
    del document["measurements"][2]["cd"]
    del document["lot_id"]

    errors = errors_of(ex, document)
    assert set(errors) == {"#/operator", "#/measurements/1/temperature",
                           "#/measurements/2/cd", "#/lot_id"}, sorted(errors)
    assert errors["#/operator"] == {"pointer": "#/operator", "detail": "unknown field",
                                    "rejected": "kim"}
    assert errors["#/lot_id"] == {"pointer": "#/lot_id", "detail": "required"}
    assert errors["#/measurements/2/cd"]["detail"] == "required"
    assert "rejected" not in errors["#/measurements/2/cd"]


BAD_VALUES = [
    ("dose", 0), ("dose", -1.0), ("dose", 500.001), ("focus", -10.001), ("focus", 10.5),
    ("cd", 0.0), ("cd", 5000.1), ("field", 0), ("field", 501),
    ("dose", math.nan), ("cd", math.inf), ("focus", -math.inf), ("focus", math.nan),
]


@pytest.mark.points(3)
def test_bounds_and_non_finite_numbers(ex, payload):
    for quantity, value in BAD_VALUES:
        errors = errors_of(ex, with_point(payload, 4, **{quantity: value}))
        assert list(errors) == [f"#/measurements/4/{quantity}"], (
            f"{quantity}={value!r} -> {sorted(errors)}"
        )


@pytest.mark.points(1)
def test_non_finite_in_the_grid_and_list_sizes(ex, payload):
    assert list(errors_of(ex, payload(focus_grid=[-0.1, math.nan, 0.1]))) == [
        "#/focus_grid/1"
    ]
    assert list(errors_of(ex, payload(focus_grid=[0.0, 0.1]))) == ["#/focus_grid"]
    assert ex.validate_run(payload(focus_grid=[i / 100 for i in range(101)]))
    assert list(errors_of(ex, payload(focus_grid=[i / 100 for i in range(102)]))) == [
        "#/focus_grid"
    ]
    assert list(errors_of(ex, payload(measurements=[]))) == ["#/measurements"]
    point = payload()["measurements"][0]
    assert ex.validate_run(payload(measurements=[point])), "one point is a valid list"
    assert ex.validate_run(payload(measurements=[point] * 2000))
    assert list(errors_of(ex, payload(measurements=[point] * 2001))) == ["#/measurements"]


BAD_CHOICES = [
    ("wafer_id", "W1"), ("wafer_id", "W001"), ("wafer_id", "W\u0660\u0661"),
    ("wafer_id", "W01\n"), ("wafer_id", "w01"), ("lot_id", "L24-01"),
    ("lot_id", "L24-001 "), ("lot_id", "L\uff12\uff14-001"), ("lot_id", "XL24-001"),
    ("feature", "Dense"), ("wafer_id", 1),
]


@pytest.mark.points(2)
def test_identifiers_and_choices(ex, payload):
    assert ex.validate_run(payload(feature="iso")).feature == "iso"
    for key, value in BAD_CHOICES:
        errors = errors_of(ex, payload(**{key: value}))
        assert list(errors) == [f"#/{key}"], f"{key}={value!r} -> {sorted(errors)}"


@pytest.mark.points(2)
def test_pointers_escape_and_rejected_values_are_short(ex, payload):
    assert ex.json_pointer(("measurements", 3, "cd")) == "#/measurements/3/cd"
    assert ex.json_pointer(()) == "#"
    assert ex.json_pointer(("a/b~c",)) == "#/a~1b~0c"
    assert ex.json_pointer(("~1",)) == "#/~01"

    errors = errors_of(ex, payload(**{"a/b": "x" * 10_000, "big": {str(i): i for i in range(9)}}))
    assert errors["#/a~1b"]["rejected"] == "x" * 40 + "…"
    assert errors["#/big"]["rejected"] == "object of 9 members"
    assert ex.describe("y" * 40) == "y" * 40
    assert ex.describe(math.nan) == "nan"
    assert ex.describe(None) == "None"
    assert ex.describe(10**50) == str(10**50)[:40] + "…"
    assert ex.describe([1, 2, 3]) == "array of 3 items"
    nan_errors = errors_of(ex, with_point(payload, 0, cd=math.nan))
    json.dumps(list(nan_errors.values()), allow_nan=False)  # a body that stays valid JSON
