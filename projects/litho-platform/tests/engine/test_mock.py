"""The mock generator: its rows follow the truth formula and its options do what they say."""

import math

import numpy as np
import pytest

from litho import generate, generate_with_truth


def test_rows_follow_the_truth_formula():
    frame, truth = generate_with_truth(e0=23.0, beta=40.0, alpha=100.0, f0=0.02,
                                       isofocal_tilt=-500.0, quartic=300.0)
    # CD = c0 − β·u + (α + τu)·g² + q·g⁴ with u = ln(E/e0), g = F − f0 (module docstring).
    u = np.log(frame["Dose"] / 23.0)
    g = frame["Focus"] - 0.02
    expected = 45.0 - 40.0 * u + (100.0 - 500.0 * u) * g**2 + 300.0 * g**4
    np.testing.assert_allclose(frame["CD"], expected, rtol=1e-12)
    assert list(frame.columns) == ["Dose", "Focus", "CD"]
    assert len(frame) == 17 * 9


def test_truth_values():
    _, truth = generate_with_truth(alpha=120.0, isofocal_tilt=-1000.0,
                                   fields=2, field_focus_offsets=[-0.05, 0.05])
    assert truth.dose_to_size == 24.0
    assert truth.best_focus == (-0.05, 0.05)
    # Curvature α + τu vanishes at u = 0.12; CD there is c0 − β·0.12 = 39.6 nm.
    assert truth.isofocal_dose == pytest.approx(24 * math.exp(0.12))
    assert truth.isofocal_cd == pytest.approx(39.6)
    assert generate_with_truth()[1].isofocal_dose is None
    assert truth.to_dict()["best_focus"] == [-0.05, 0.05]


def test_layout_of_wafers_fields_and_repeats():
    frame = generate(wafers=3, fields=2, repeats=4, die_coordinates=True)
    assert len(frame) == 3 * 2 * 4 * 153
    assert list(frame.columns) == ["Wafer_ID", "Field", "X", "Y", "Dose", "Focus", "CD"]
    assert sorted(frame["Wafer_ID"].unique()) == ["W01", "W02", "W03"]
    # One die per field and condition: 2 × 153 distinct positions.
    assert len(frame[["X", "Y"]].drop_duplicates()) == 2 * 153


def test_field_offsets_shift_best_focus():
    frame = generate(fields=2, field_focus_offsets=[0.0, 0.1])
    second = frame[frame["Field"] == 2]
    # Field 2's minimum CD at each dose sits at F = 0.1.
    minima = second.loc[second.groupby("Dose")["CD"].idxmin(), "Focus"]
    assert (minima == 0.1).all()


def test_noise_missing_and_outliers_are_seeded():
    a = generate(noise_sigma=0.4, missing_fraction=0.1, outlier_fraction=0.05, seed=9)
    b = generate(noise_sigma=0.4, missing_fraction=0.1, outlier_fraction=0.05, seed=9)
    c = generate(noise_sigma=0.4, missing_fraction=0.1, outlier_fraction=0.05, seed=10)
    assert a.equals(b)
    assert not a.equals(c)
    assert a["CD"].isna().sum() == round(0.1 * 153)


def test_outliers_stand_out_of_the_noise():
    noisy = generate(noise_sigma=0.4, outlier_fraction=0.05, seed=9)
    deviation = (noisy["CD"] - generate()["CD"]).abs()
    # round(0.05·153) = 8 outliers, each moved by at least 15 % of 45 nm = 6.75 nm; noise of
    # 0.4 nm passes 5 nm with a chance of 1e-35, so exactly the outliers exceed 5 nm.
    assert (deviation > 5).sum() == 8
    assert deviation.max() <= 0.30 * 45 + 5


@pytest.mark.parametrize("kwargs", [
    {"doses": [0.0, 20.0]}, {"fields": 0}, {"fields": 2, "field_focus_offsets": [0.1]},
    {"noise_sigma": -1.0}, {"missing_fraction": 1.0},
])
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        generate(**kwargs)
