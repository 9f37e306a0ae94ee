"""Edge cases: windows that do not exist, degenerate data, odd row orders and grids."""

import json

import numpy as np
import pandas as pd
import pytest

from litho import (
    AnalysisOptions,
    FemData,
    FemValidationError,
    Spec,
    analyze,
    analyze_groups,
    generate,
    read_fem,
)

SPEC = Spec(45.0, 10.0)
DOF_TOL = 0.001  # half the default focus grid step, see test_truth_window


def test_no_in_spec_point_is_a_result_not_an_error():
    # Modelled CD spans about 38–77 nm; a 100 nm ± 5 % spec is never met.
    result = analyze(generate(), Spec(100.0, 5.0))
    assert result["data_summary"]["in_spec_fraction"] == 0.0
    assert (result["max_el_pct"], result["dof_at_zero_el"]) == (0.0, 0.0)
    assert result["best_focus"] is None
    assert result["dose_to_size"] is None
    assert result["el_vs_dof"] == []
    assert result["ed_window"] == []
    for row in result["process_window"]:
        assert (row["dof"], row["ellipse_dof"], row["clipped"]) == (0.0, 0.0, False)
        assert row["center_focus"] is None
        assert row["center_dose"] is None
    assert any("keeps the modelled CD in spec" in note for note in result["warnings"])
    json.dumps(result, allow_nan=False)


def test_el_beyond_the_maximum_gives_dof_zero():
    # The maximum EL of the default truth is 19.93 % (test_truth_window).
    result = analyze(generate(), SPEC, AnalysisOptions(el_pct=(25.0,)))
    assert result["process_window"][0]["dof"] == 0.0
    assert result["process_window"][0]["center_focus"] is None


@pytest.mark.parametrize(("frame", "message"), [
    (generate(doses=[24.0]), "a fit needs at least 2 different doses with a CD; the data have 1"),
    (generate(foci=[0.0]), "a fit needs at least 3 different focus values with a CD; "
                           "the data have 1"),
])
def test_one_dose_or_one_focus_is_invalid(frame, message):
    with pytest.raises(FemValidationError) as caught:
        analyze(frame, SPEC)
    assert any(p.message.startswith(message) for p in caught.value.problems)


def test_one_row_file():
    with pytest.raises(FemValidationError) as caught:
        read_fem(b"Dose,Focus,CD\n24,0,45\n")
    assert [p.message for p in caught.value.problems] == [
        "a fit needs at least 2 different doses with a CD; the data have 1 (24)",
        "a fit needs at least 3 different focus values with a CD; the data have 1 (0)",
    ]


def test_focus_degree_4_needs_five_foci():
    with pytest.raises(FemValidationError) as caught:
        analyze(generate(foci=[-0.2, 0.0, 0.2]), SPEC, AnalysisOptions(focus_degree=4))
    assert caught.value.problems[0].message == (
        "focus degree 4 needs at least 5 different focus values; found 3")


def test_two_doses_fit_a_surface_linear_in_log_dose():
    # The truth is linear in ln dose, so two doses determine it. Best focus (0) and
    # dose-to-size (e0 = 24, inside 23..25) follow; the window itself is clipped by the narrow
    # dose range and is not compared here.
    result = analyze(generate(doses=[23.0, 25.0]), SPEC)
    assert result["model"]["dose_degree"] == 1
    assert result["best_focus"] == pytest.approx(0.0, abs=1e-9)
    assert result["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
    assert any("only 2 doses" in note for note in result["warnings"])


def test_unsorted_and_duplicated_rows_give_the_truth(truth):
    frame = generate()
    # Every condition twice, CDs 1 nm above and below the truth (their mean is the truth),
    # shuffled.
    doubled = pd.concat([frame.assign(CD=frame["CD"] + 1), frame.assign(CD=frame["CD"] - 1)])
    shuffled = doubled.sample(frac=1.0, random_state=3).reset_index(drop=True)
    result = analyze(shuffled, SPEC)
    assert result["data_summary"]["duplicates"] == 153
    assert result["data_summary"]["points"] == 153
    assert result["model"]["rms_residual"] == pytest.approx(0.0, abs=1e-9)
    assert result["process_window"][0]["dof"] == pytest.approx(
        truth.rectangle_dof(truth.centre_eps(5)), abs=DOF_TOL)


def test_missing_cd_values_leave_the_truth_intact(truth):
    # 20 % of CDs missing: the remaining points still lie exactly on the truth surface.
    frame = generate(missing_fraction=0.2, seed=11)
    data = FemData.from_frame(frame)
    assert data.dropped_missing_cd == round(0.2 * 153)
    result = analyze(data, SPEC)
    assert result["data_summary"]["dropped_missing_cd"] == 31
    assert result["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
    assert result["process_window"][1]["dof"] == pytest.approx(
        truth.rectangle_dof(truth.centre_eps(10)), abs=DOF_TOL)


def test_nan_dose_is_an_error_with_its_row():
    frame = generate()
    frame.loc[6, "Dose"] = np.nan
    with pytest.raises(FemValidationError) as caught:
        analyze(frame, SPEC)
    assert [str(p) for p in caught.value.problems] == ["row 8, column Dose: missing value"]


def test_non_uniform_grids(truth):
    # Irregular doses and foci, all inside 20..28 and −0.4..0.4: the surface is still exact.
    frame = generate(doses=[20.0, 21.3, 22.0, 23.7, 24.0, 24.4, 26.0, 28.0],
                     foci=[-0.4, -0.25, -0.1, -0.05, 0.0, 0.15, 0.3, 0.4])
    result = analyze(frame, SPEC)
    assert result["best_focus"] == pytest.approx(0.0, abs=1e-9)
    for row in result["process_window"]:
        assert row["dof"] == pytest.approx(
            truth.rectangle_dof(truth.centre_eps(row["el_pct"])), abs=DOF_TOL)


def test_groups_without_enough_data_are_reported_together():
    frame = pd.concat([generate().assign(Field=1),
                       generate(foci=[-0.1, 0.1]).assign(Field=2),
                       generate(doses=[24.0]).assign(Field=3)])
    with pytest.raises(FemValidationError) as caught:
        analyze_groups(frame, "field", SPEC)
    assert [p.message for p in caught.value.problems] == [
        "focus degree 2 needs at least 3 different focus values in Field 2; found 2",
        "a fit needs at least 2 different doses in Field 3; found 1",
    ]


def test_groups_with_disjoint_focus_ranges_have_no_overlap():
    frame = pd.concat([generate(foci=[-0.4, -0.3, -0.2]).assign(Field=1),
                       generate(foci=[0.2, 0.3, 0.4], f0=0.3).assign(Field=2)])
    result = analyze_groups(frame, "Field", SPEC)
    overlap = result["overlap"]
    assert overlap["dof_at_zero_el"] == 0.0
    assert [row["dof"] for row in overlap["process_window"]] == [0.0, 0.0]
    assert any("share no sampled" in note for note in overlap["warnings"])
    json.dumps(result, allow_nan=False)


def test_grouping_by_an_absent_column():
    with pytest.raises(FemValidationError) as caught:
        analyze_groups(generate(), "Wafer_ID", SPEC)
    assert str(caught.value.problems[0]) == (
        "column Wafer_ID: no such column in the data; group by one of: none")


def test_progress_reports_stages_in_order():
    seen = []
    analyze(generate(), SPEC, progress=lambda fraction, stage: seen.append((fraction, stage)))
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions)
    assert seen[0] == (0.0, "validate")
    assert seen[-1] == (1.0, "done")
    assert {stage for _, stage in seen} == {"validate", "fit", "window", "dof", "done"}


@pytest.mark.parametrize("kwargs", [
    {"el_pct": (-1.0,)}, {"el_pct": (200.0,)}, {"el_pct": ()}, {"el_pct": ("five",)},
    {"model": "spline"}, {"focus_degree": 3}, {"el_ref": "mean"}, {"el_ref": -5.0},
    {"focus_points": 10}, {"dose_points": 5000},
])
def test_invalid_options(kwargs):
    with pytest.raises(ValueError):
        AnalysisOptions(**kwargs)


@pytest.mark.parametrize(("target", "tolerance"), [
    (0.0, 10.0), (-45.0, 10.0), (float("nan"), 10.0), (45.0, 0.0), (45.0, 100.0), ("45", 10.0),
])
def test_invalid_spec(target, tolerance):
    with pytest.raises(ValueError):
        Spec(target, tolerance)


def test_spec_values():
    spec = Spec(45, 10)
    # δ = 45·10/100 = 4.5 nm
    assert (spec.delta, spec.cd_min, spec.cd_max) == (4.5, 40.5, 49.5)
    assert spec.in_spec(np.array([40.5, 49.5, 40.4, np.nan])).tolist() == [True, True, False,
                                                                             False]
    assert spec.to_dict() == {"target_cd": 45.0, "tolerance_pct": 10.0, "cd_min": 40.5,
                              "cd_max": 49.5}
