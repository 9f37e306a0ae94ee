"""The analysis against the closed-form truth of LITHO.md (default mock, no noise)."""

import json
import math

import numpy as np
import pytest

from litho import AnalysisOptions, Spec, analyze, generate, generate_with_truth

CONTRACT_KEYS = {"spec", "model", "best_focus", "dose_to_size", "isofocal_dose", "isofocal_cd",
                 "max_el_pct", "dof_at_zero_el", "process_window", "el_vs_dof", "bossung",
                 "data_summary"}
# Focus grid step of the default analysis: 0.8 µm / 400 intervals = 0.002 µm. The rectangle
# DOF is interpolated between grid lengths, so on this symmetric grid it is exact to far less
# than a step; 0.001 µm (half a step) is the tolerance used throughout.
DOF_TOL = 0.001
# The ellipse's constraints are checked at grid foci and its centre sits on a grid focus:
# allow one step.
ELLIPSE_TOL = 0.002


@pytest.fixture(scope="module")
def result():
    return analyze(generate(), Spec(45.0, 10.0))


def test_result_has_the_contract_keys_and_is_strict_json(result):
    assert set(result) >= CONTRACT_KEYS
    assert set(result["spec"]) == {"target_cd", "tolerance_pct", "cd_min", "cd_max"}
    assert {"kind", "dose_degree", "focus_degree", "rms_residual"} <= set(result["model"])
    row_keys = {"el_pct", "dof", "center_focus", "center_dose", "clipped", "ellipse_dof",
                "ellipse_clipped"}
    assert all(row_keys <= set(row) for row in result["process_window"])
    assert {"points", "conditions", "doses", "foci", "in_spec_fraction", "dose_range",
            "focus_range", "duplicates"} <= set(result["data_summary"])
    json.dumps(result, allow_nan=False)  # no NaN, no numpy types


def test_model_fits_the_truth_exactly(result):
    # The truth is quadratic in focus and linear in ln dose: the 3×3 surface contains it.
    assert result["model"] == pytest.approx(
        {"kind": "surface", "dose_degree": 2, "focus_degree": 2, "rms_residual": 0.0},
        abs=1e-9)


def test_best_focus_and_dose_to_size(result):
    # The vertex of every Bossung is f0 = 0; at f0, CD = c0 − β·ln(E/e0) = T when E = e0 = 24.
    assert result["best_focus"] == pytest.approx(0.0, abs=1e-9)
    assert result["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
    # Curvature α is the same at every dose: no isofocal dose.
    assert result["isofocal_dose"] is None
    assert result["isofocal_cd"] is None


def test_rectangle_dof_at_each_el(result, truth):
    for row, el in zip(result["process_window"], (5.0, 10.0), strict=True):
        eps = truth.centre_eps(el)  # 0.050010 and 0.100083
        assert row["el_pct"] == el
        # 0.474325 µm at 5 %, 0.387137 µm at 10 %
        assert row["dof"] == pytest.approx(truth.rectangle_dof(eps), abs=DOF_TOL)
        # The symmetric window centres every rectangle on f0 = 0.
        assert row["center_focus"] == pytest.approx(0.0, abs=DOF_TOL)
        # Its dose band is e0·[exp(δ/β − ε), exp(δ/β)]; the centre dose is the mean of both.
        low, high = 24.0 * math.exp(0.1 - eps), 24.0 * math.exp(0.1)
        assert row["dose_min"] == pytest.approx(low, rel=1e-4)
        assert row["dose_max"] == pytest.approx(high, rel=1e-4)
        assert row["center_dose"] == pytest.approx((low + high) / 2, rel=1e-4)
        assert row["clipped"] is False


def test_ellipse_dof_at_each_el(result, truth):
    for row, el in zip(result["process_window"], (5.0, 10.0), strict=True):
        # 0.511024 µm at 5 %, 0.467430 µm at 10 %: wider than the rectangle, as an ellipse of
        # the same EL spends less latitude away from its centre.
        expected = truth.ellipse_dof(truth.centre_eps(el))
        assert row["ellipse_dof"] == pytest.approx(expected, abs=ELLIPSE_TOL)
        assert row["ellipse_dof"] > row["dof"]
        assert row["ellipse_center_focus"] == pytest.approx(0.0, abs=0.002)
        assert row["ellipse_clipped"] is False


def test_max_el_and_dof_at_zero_el(result, truth):
    # Max EL: the band at best focus is ln(hi/lo) = 2δ/β = 0.2, so EL = 200·tanh(0.1) = 19.934 %.
    assert result["max_el_pct"] == pytest.approx(200 * math.tanh(0.1), rel=1e-6)
    # EL 0: 2δ − β·0 = 9 in the rectangle formula, DOF = 2·√(9/120) = 0.547723 µm.
    assert result["dof_at_zero_el"] == pytest.approx(truth.rectangle_dof(0.0), abs=DOF_TOL)


def test_el_vs_dof_curve_follows_the_closed_form(result, truth):
    curve = result["el_vs_dof"]
    assert curve[0]["el_pct"] == pytest.approx(result["max_el_pct"])
    assert curve[0]["dof"] == pytest.approx(0.0, abs=DOF_TOL)
    assert curve[-1] == pytest.approx({"dof": result["dof_at_zero_el"], "el_pct": 0.0})
    dofs = [point["dof"] for point in curve]
    assert dofs == sorted(dofs)
    for point in curve[1:]:
        # Inverting EL = 200·tanh(ε/2) point by point.
        eps = truth.centre_eps(point["el_pct"])
        assert point["dof"] == pytest.approx(truth.rectangle_dof(eps), abs=DOF_TOL)


def test_bossung_rows_are_the_truth_per_dose(result):
    rows = result["bossung"]
    assert [row["dose"] for row in rows] == pytest.approx(np.linspace(20, 28, 17))
    for row in rows:
        # CD(F) at dose E is (c0 − β·ln(E/e0)) + 0·F + α·F²: vertex 0, d²CD/dF² = 2α = 240.
        offset = 45.0 - 45.0 * math.log(row["dose"] / 24.0)
        assert row["coefficients"] == pytest.approx([offset, 0.0, 120.0], abs=1e-7)
        assert row["vertex_focus"] == pytest.approx(0.0, abs=1e-9)
        assert row["cd_at_vertex"] == pytest.approx(offset, abs=1e-9)
        assert row["curvature"] == pytest.approx(240.0, abs=1e-6)


def test_data_summary(result):
    dose, focus = np.meshgrid(np.linspace(20, 28, 17), np.linspace(-0.4, 0.4, 9))
    # In spec where |−β·ln(E/e0) + α·F²| ≤ δ, counted over the sampled grid from the truth.
    in_spec = np.abs(-45 * np.log(dose / 24) + 120 * focus**2) <= 4.5 + 1e-12
    summary = result["data_summary"]
    assert summary["points"] == summary["conditions"] == 153
    assert (summary["doses"], summary["foci"], summary["duplicates"]) == (17, 9, 0)
    assert summary["in_spec_fraction"] == pytest.approx(in_spec.mean())
    assert summary["dose_range"] == [20.0, 28.0]
    assert summary["focus_range"] == pytest.approx([-0.4, 0.4])


def test_ed_window_edges_match_the_band(result):
    # Lower edge e0·exp((αF² − δ)/β) and upper edge e0·exp((αF² + δ)/β), cut at 20 and 28.
    for row in result["ed_window"]:
        focus = row["focus"]
        low = max(24 * math.exp((120 * focus**2 - 4.5) / 45), 20.0)
        high = min(24 * math.exp((120 * focus**2 + 4.5) / 45), 28.0)
        assert row["dose_min"] == pytest.approx(low, rel=1e-5)
        assert row["dose_max"] == pytest.approx(high, rel=1e-5)
        assert row["dose_max_clipped"] is (high == 28.0)


@pytest.mark.parametrize("model", ["surface", "bossung"])
def test_both_models_give_the_truth(model, truth):
    # Per-dose quadratics are exact and CD is linear in ln dose between doses, so linear
    # interpolation in ln dose is exact too.
    result = analyze(generate(), Spec(45, 10), AnalysisOptions(model=model))
    assert result["model"]["kind"] == model
    assert result["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
    assert result["process_window"][0]["dof"] == pytest.approx(
        truth.rectangle_dof(truth.centre_eps(5.0)), abs=DOF_TOL)


def test_log_convention(truth):
    result = analyze(generate(), Spec(45, 10), AnalysisOptions(el_ref="log"))
    # EL = 100·ln(hi/lo), so ε = EL/100 directly; max EL = 100·2δ/β = 20 %.
    assert result["el_ref"] == "log"
    assert result["max_el_pct"] == pytest.approx(20.0, rel=1e-6)
    for row in result["process_window"]:
        assert row["dof"] == pytest.approx(truth.rectangle_dof(row["el_pct"] / 100), abs=DOF_TOL)
        # Nominal dose of the log convention is the geometric centre of the interval.
        assert row["center_dose"] == pytest.approx(math.sqrt(row["dose_min"] * row["dose_max"]))


def test_reference_dose_convention():
    result = analyze(generate(), Spec(45, 10), AnalysisOptions(el_ref=24.0))
    # EL = 100·(hi − lo)/24. The band over [−a, a] is e0·[exp((αa² − δ)/β), exp(δ/β)], so
    # a = √((β·ln(exp(δ/β) − w/e0) + δ)/α) for a dose width w = EL·24/100.
    # Max EL: in dose units the band e0·exp((αF² ± δ)/β) widens away from best focus until
    # its top reaches the sampled 28 mJ/cm²; there it spans 28·[exp(−2δ/β), 1], so
    # EL = 100·28·(1 − exp(−0.2))/24 = 21.148 %, more than the 200·sinh(0.1) = 20.03 % at f0.
    # That maximum is a kink between grid foci (F² = (β·ln(28/24) − δ)/α); the width there
    # changes by d/dF = width·2αF/β ≈ 5.75 mJ/cm² per µm, so one 0.002 µm grid step can cost
    # 0.0115 mJ/cm², i.e. 0.048 % EL.
    assert result["max_el_pct"] == pytest.approx(100 * 28 * (1 - math.exp(-0.2)) / 24,
                                                 abs=0.048)
    for row in result["process_window"]:
        width = row["el_pct"] * 24 / 100
        a = math.sqrt((45 * math.log(math.exp(0.1) - width / 24) + 4.5) / 120)
        assert row["dof"] == pytest.approx(2 * a, abs=DOF_TOL)
        assert row["dose_max"] - row["dose_min"] == pytest.approx(width, rel=1e-9)


def test_truth_object_gives_the_same_answers():
    frame, truth = generate_with_truth(f0=0.05)
    result = analyze(frame, Spec(45, 10))
    assert truth.dose_to_size == 24.0
    assert truth.best_focus == (0.05,)
    assert result["best_focus"] == pytest.approx(0.05, abs=1e-9)
    assert result["dose_to_size"] == pytest.approx(truth.dose_to_size, rel=1e-9)


def test_off_grid_best_focus_is_located_between_samples(truth):
    # f0 = 0.0137 µm lies between focus grid points (0.012 and 0.014); the parabola through
    # three grid points is exact for a quadratic Bossung. The rectangle's centre can only sit
    # on a grid point or midpoint: its DOF may lose up to half a step.
    result = analyze(generate(f0=0.0137), Spec(45, 10))
    assert result["best_focus"] == pytest.approx(0.0137, abs=1e-9)
    row = result["process_window"][0]
    assert row["dof"] == pytest.approx(truth.rectangle_dof(truth.centre_eps(5)), abs=0.0015)
    assert row["center_focus"] == pytest.approx(0.0137, abs=0.0015)
