"""Graded: ex03_domain_validators, units, physical ranges and the focus grid."""

import copy
import math

import pytest

HINT = (
    "math.isfinite before any comparison (every comparison with NaN is False), "
    "unicodedata.normalize('NFKC', unit) before the unit lookup, and `<` between neighbours "
    "of the focus grid. normalise_run collects errors, it does not stop at the first."
)


def raised(error, function, *args, **kwargs):
    """The ``error`` that ``function(*args, **kwargs)`` raises; a failure naming the call."""
    try:
        function(*args, **kwargs)
    except error as exc:
        return exc
    return pytest.fail(f"{function.__name__}{args!r} {kwargs or ''} raised nothing")


def run(**changes):
    return {
        "wafer_id": "W01",
        "focus_grid": [-0.1, 0.0, 0.1],
        "measurements": [
            {"field": 1, "dose": 22.0, "focus": -0.1, "cd": 46.0},
            {"field": 2, "dose": 24.0, "focus": 0.0, "cd": 45.0},
            {"field": 3, "dose": 26.0, "focus": 0.1, "cd": 44.0},
        ],
        **changes,
    }


@pytest.mark.points(2)
def test_units_convert_to_canonical(ex):
    assert ex.to_canonical("dose", 240.0, "J/m2") == pytest.approx(24.0)
    assert ex.to_canonical("dose", 24.0, "mJ/cm²") == 24.0  # superscript two, NFKC -> 2
    assert ex.to_canonical("focus", -100.0, "nm") == pytest.approx(-0.1)
    assert ex.to_canonical("focus", 0.2, "\u00b5m") == 0.2  # micro sign
    assert ex.to_canonical("focus", 0.2, "\u03bcm") == 0.2  # Greek mu
    assert ex.to_canonical("cd", 0.045, "\u00b5m") == pytest.approx(45.0)
    assert ex.to_canonical("cd", 0.045, "um") == pytest.approx(45.0)
    assert ex.to_canonical("cd", 45.0, "nm") == 45.0
    for quantity, unit in [("dose", "MJ/cm2"), ("dose", "mj/cm2"), ("cd", "NM"),
                           ("focus", "mm"), ("cd", ""), ("dose", "mJ/cm2 "), ("wafer", "nm")]:
        raised(ex.DomainError, ex.to_canonical, quantity, 1.0, unit)


@pytest.mark.points(3)
def test_values_must_be_finite_and_physical(ex):
    for quantity in ("dose", "focus", "cd"):
        for value in (math.nan, math.inf, -math.inf, True, "24", None):
            error = raised(ex.DomainError, ex.check_value, quantity, value)
            if isinstance(value, float):
                assert "finite" in str(error), (quantity, value, str(error))
    accepted = [("dose", 1e-9), ("dose", 500), ("dose", 24), ("focus", -10.0), ("focus", 10),
                ("focus", 0.0), ("cd", 1e-9), ("cd", 5000.0)]
    for quantity, value in accepted:
        assert ex.check_value(quantity, value) is None, (quantity, value)
    refused = [("dose", 0.0), ("dose", -24.0), ("dose", 500.0001), ("focus", -10.0001),
               ("focus", 10.0001), ("cd", 0), ("cd", 5000.0001), ("cd", -45.0)]
    for quantity, value in refused:
        error = raised(ex.DomainError, ex.check_value, quantity, value)
        assert ex.CANONICAL_UNITS[quantity] in str(error), str(error)


@pytest.mark.points(2)
def test_focus_grid_strictly_increasing(ex):
    assert ex.check_focus_grid([-0.1, 0.0, 0.1]) is None
    assert ex.check_focus_grid([-10, -9.999999, 10]) is None
    cases = [
        ([-0.1, -0.1, 0.1], 1),  # a repeat: <= is not enough
        ([-0.1, 0.0, 0.1, 0.1], 3),
        ([0.0, 0.2, 0.1], 2),
        ([0.2, 0.1, 0.0], 1),
        ([0.0, math.nan, 0.2], 1),
        ([0.0, 0.1, math.inf], 2),
        ([-11.0, 0.0, 0.1], 0),
        ([0.0, 0.1], None),
        ([], None),
    ]
    for grid, index in cases:
        error = raised(ex.DomainError, ex.check_focus_grid, grid)
        assert error.index == index, f"{grid!r}: index {error.index}, not {index}"


@pytest.mark.points(1)
def test_normalise_run_converts_and_keeps_the_input(ex):
    document = run(units={"dose": "J/m2", "focus": "nm", "cd": "\u00b5m"},
                   focus_grid=[-100, 0, 100])
    sent = [(220, -100, 0.046), (240, 0, 0.045), (260, 100, 0.044)]
    for point, (dose, focus, cd) in zip(document["measurements"], sent, strict=True):
        point.update(dose=dose, focus=focus, cd=cd)
    original = copy.deepcopy(document)

    result = ex.normalise_run(document)
    assert document == original, "normalise_run must not modify its input"
    assert result["units"] == ex.CANONICAL_UNITS
    assert result["wafer_id"] == "W01"
    assert result["focus_grid"] == pytest.approx([-0.1, 0.0, 0.1])
    assert [p["dose"] for p in result["measurements"]] == pytest.approx([22.0, 24.0, 26.0])
    assert [p["cd"] for p in result["measurements"]] == pytest.approx([46.0, 45.0, 44.0])
    assert result["measurements"][2]["field"] == 3
    assert ex.normalise_run(run())["focus_grid"] == [-0.1, 0.0, 0.1]  # no units: canonical


@pytest.mark.points(3)
def test_normalise_run_lists_every_problem_with_pointers(ex):
    document = run(focus_grid=[-0.1, 0.0, 0.0])
    document["measurements"][0]["cd"] = math.nan
    document["measurements"][1]["dose"] = 0.0
    document["measurements"][2]["focus"] = 0.05
    with pytest.raises(ex.RunErrors) as caught:
        ex.normalise_run(document)
    assert [p for p, _ in caught.value.errors] == [
        "#/focus_grid/2", "#/measurements/0/cd", "#/measurements/1/dose",
    ], caught.value.errors  # the grid is invalid: nothing is "off the grid"

    document = run(units={"cd": "furlong"})
    document["measurements"][0]["cd"] = math.nan  # not checked: its unit is unknown
    document["measurements"][1]["focus"] = 0.05
    document["measurements"][2]["focus"] = 0.1 + 5e-7  # within the tolerance
    document["measurements"][2]["dose"] = math.inf
    with pytest.raises(ex.RunErrors) as caught:
        ex.normalise_run(document)
    assert [p for p, _ in caught.value.errors] == [
        "#/units/cd", "#/measurements/1/focus", "#/measurements/2/dose",
    ], caught.value.errors
    assert caught.value.errors[1][1] == "not on the focus grid"

    with pytest.raises(ex.RunErrors) as caught:
        ex.normalise_run(run(focus_grid=[0.0, 0.1]))
    assert [p for p, _ in caught.value.errors][0] == "#/focus_grid"
    far = run()
    far["measurements"][0]["focus"] = -0.1 + 2e-6
    with pytest.raises(ex.RunErrors) as caught:
        ex.normalise_run(far)
    assert [p for p, _ in caught.value.errors] == ["#/measurements/0/focus"]
