"""The shipped example files analyse to their documented true values (examples/README.md)."""

import math
from pathlib import Path

import pytest

from litho import FemValidationError, Spec, analyze, analyze_groups, read_fem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPEC = Spec(45.0, 10.0)
# The files carry CD noise σ = 0.3 nm. Scaling the standard errors of TestNoise
# (test_truth_derived, σ = 0.5) by 0.6: best focus 0.0004 µm, dose-to-size 0.04 mJ/cm²,
# DOF 0.006 µm. The tolerances below are about five of those.
FOCUS_TOL, DOSE_TOL, DOF_TOL = 0.002, 0.2, 0.03


def test_clean_example():
    result = analyze(read_fem(EXAMPLES / "fem_clean.csv"), SPEC)
    assert result["best_focus"] == pytest.approx(0.0, abs=FOCUS_TOL)
    assert result["dose_to_size"] == pytest.approx(24.0, abs=DOSE_TOL)
    # DOF = 2·√((2δ − βε)/α) (LITHO.md): 0.474 µm at 5 %, 0.387 µm at 10 %.
    assert [row["dof"] for row in result["process_window"]] == pytest.approx(
        [0.4743, 0.3871], abs=DOF_TOL)


def test_fields_example():
    result = analyze_groups(read_fem(EXAMPLES / "fem_fields.csv"), "Field", SPEC)
    for name, focus in (("1", -0.04), ("2", 0.0), ("3", 0.05)):
        assert result["groups"][name]["best_focus"] == pytest.approx(focus, abs=FOCUS_TOL)
    # Outer best foci −0.04 and 0.05: the overlap loses their 0.09 µm spread
    # (test_truth_derived, TestTwoShiftedFields): 0.4743 − 0.09 and 0.3871 − 0.09.
    rows = result["overlap"]["process_window"]
    assert [row["dof"] for row in rows] == pytest.approx([0.3843, 0.2971], abs=DOF_TOL)
    assert rows[0]["center_focus"] == pytest.approx(0.005, abs=0.005)


def test_isofocal_example():
    result = analyze(read_fem(EXAMPLES / "fem_isofocal.csv"), SPEC)
    # u_iso = −α/τ = 0.12 is found from the fitted curvature 2(α + τu); its noise
    # (SE(α) ≈ 0.4 nm/µm² at σ = 0.3) moves u_iso by ≈ 0.4/1000, E_iso by ≈ 0.01 mJ/cm².
    assert result["isofocal_dose"] == pytest.approx(24 * math.exp(0.12), abs=0.1)
    assert result["isofocal_cd"] == pytest.approx(39.6, abs=0.3)
    # a² = (2δ − βε)/(α − |τ|(δ/β − ε)) (TestIsofocalTilt): 0.621 µm at 5 %, 0.387 µm at 10 %.
    assert [row["dof"] for row in result["process_window"]] == pytest.approx(
        [0.6210, 0.3870], abs=DOF_TOL)


def test_example_with_errors():
    with pytest.raises(FemValidationError) as caught:
        read_fem(EXAMPLES / "fem_with_errors.csv")
    assert [p.row for p in caught.value.problems] == [4, 6, 8, 10, 11]
