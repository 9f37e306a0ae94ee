"""Graded: ex03_ed_window, the ED window, exposure latitude, DOF at EL and in-spec yield.

Truth: CD = c0 − β·ln(E/e0) + α·(F − f0)² with target T = c0 and δ = T·tol/100. At focus F,
with u = F − f0, CD is in spec for ln(E/e0) in [(α·u² − δ)/β, (α·u² + δ)/β]. CD is linear in
ln(E), so interpolating edges linearly in ln(dose) is exact whatever the dose spacing. The
rectangle of EL ε (in ln dose, ε = 2·atanh(EL/200)) has DOF 2·√((2δ − β·ε)/α).
"""

import numpy as np
import pytest

HINT = (
    "Work row by row of the grid in numpy: an in-spec mask, the run of in-spec doses, then move "
    "each end to the spec limit by linear interpolation in ln(dose); an end on the grid's first "
    "or last dose stays there, clipped. For DOF, slide over runs of consecutive foci and keep "
    "the longest whose common band is at least ln(hi/lo) wide for the requested EL."
)

C0 = BETA = 45.0
E0, ALPHA, F0, TOL = 24.0, 120.0, 0.03, 10.0
DELTA = C0 * TOL / 100
FOCUS = np.linspace(-0.3, 0.3, 601)  # step 0.001 µm
STEP = 0.001


def uneven_doses(low=18.0, high=32.0, count=47, seed=3):
    """Doses from low to high at random spacing: interpolating in E instead of ln E is wrong."""
    inner = np.random.default_rng(seed).uniform(np.log(low), np.log(high), count - 2)
    return np.exp(np.sort(np.r_[np.log(low), inner, np.log(high)]))


def truth_grid(dose, focus=FOCUS):
    return C0 - BETA * np.log(dose[None, :] / E0) + ALPHA * (focus[:, None] - F0) ** 2


def band(focus):
    """Closed-form in-spec dose band at each focus (before any clipping)."""
    u2 = (np.asarray(focus) - F0) ** 2
    return E0 * np.exp((ALPHA * u2 - DELTA) / BETA), E0 * np.exp((ALPHA * u2 + DELTA) / BETA)


@pytest.mark.points(3)
def test_window_edges_are_exact_inside_the_sampled_doses(ex):
    dose = uneven_doses()
    window = ex.ed_window(truth_grid(dose), dose, FOCUS, C0, TOL)

    assert len(window) == len(FOCUS), "one row per focus (not per dose)"
    np.testing.assert_allclose(window.index.to_numpy(), FOCUS)
    low, high = band(FOCUS)
    inside = (low > dose[0]) & (high < dose[-1])
    assert inside.sum() > 400  # most foci have both edges inside the grid
    np.testing.assert_allclose(window["dose_min"].to_numpy()[inside], low[inside], rtol=1e-9)
    np.testing.assert_allclose(window["dose_max"].to_numpy()[inside], high[inside], rtol=1e-9)
    assert not window["min_clipped"][inside].any()
    assert not window["max_clipped"][inside].any()


@pytest.mark.points(2)
def test_edges_beyond_the_grid_are_clipped_not_extrapolated(ex):
    dose = uneven_doses(low=20.0, high=27.0)
    window = ex.ed_window(truth_grid(dose), dose, FOCUS, C0, TOL)
    low, high = band(FOCUS)

    # Away from best focus the band runs past the highest dose (and, further out, starts
    # above it: no window at all there).
    over = (high > 27.0) & (low < dose[-2])
    assert over.any()
    assert (high <= 27.0).any()
    np.testing.assert_array_equal(window["dose_max"].to_numpy()[over], 27.0)
    assert window["max_clipped"][over].all()
    assert not window["max_clipped"][high <= 27.0].any()
    np.testing.assert_allclose(window["dose_min"].to_numpy()[over], low[over], rtol=1e-9)
    beyond = low > 27.0
    assert beyond.any()
    assert window["dose_max"][beyond].isna().all()
    under = low < 20.0  # never: the lowest lower edge is 24·exp(−0.1) = 21.7
    assert not under.any()
    assert not window["min_clipped"].any()

    # A focus where even the highest dose prints too wide a CD has no window at all.
    shifted = truth_grid(dose) + 12.0
    none = ex.ed_window(shifted, dose, FOCUS, C0, TOL)
    far = np.log(27.0 / E0) < (ALPHA * (FOCUS - F0) ** 2 + 12.0 - DELTA) / BETA
    assert far.any()
    assert none["dose_min"][far].isna().all()
    assert none["dose_max"][far].isna().all()
    assert not none["max_clipped"][far].any()

    with pytest.raises(ValueError):
        ex.ed_window(truth_grid(dose).T, dose, FOCUS, C0, TOL)


@pytest.mark.points(1)
def test_exposure_latitude_is_relative_to_the_centre_dose(ex):
    # [22, 26]: centre 24, so EL = 100·4/24; [10, 30]: 100·20/20.
    assert ex.exposure_latitude(22.0, 26.0) == pytest.approx(100 * 4 / 24, rel=1e-12)
    np.testing.assert_allclose(ex.exposure_latitude(np.array([10.0, 24.0]),
                                                    np.array([30.0, 24.0])), [100.0, 0.0])


@pytest.mark.points(3)
@pytest.mark.parametrize("el", [5.0, 10.0])
def test_dof_at_el_matches_the_closed_form(ex, el):
    dose = uneven_doses()
    window = ex.ed_window(truth_grid(dose), dose, FOCUS, C0, TOL)

    found = ex.dof_at_el(window, el)

    epsilon = 2 * np.arctanh(el / 200)
    half = np.sqrt((2 * DELTA - BETA * epsilon) / ALPHA)
    # The run is made of grid foci, so the DOF is within two grid steps below 2·half.
    assert 2 * half - 2 * STEP - 1e-9 <= found["dof"] <= 2 * half + 1e-9, (el, found)
    assert found["center_focus"] == pytest.approx(F0, abs=STEP)
    # The common band over |u| <= half is [(α·half² − δ)/β, δ/β] in ln(E/e0); the interval is
    # centred in it, at ln(E/e0) = α·half²/(2β), with hi/lo = exp(ε).
    centre = E0 * np.exp(ALPHA * half**2 / (2 * BETA))
    lo, hi = centre * np.exp(-epsilon / 2), centre * np.exp(epsilon / 2)
    assert found["dose_low"] == pytest.approx(lo, abs=0.02)
    assert found["dose_high"] == pytest.approx(hi, abs=0.02)
    assert found["center_dose"] == pytest.approx((lo + hi) / 2, abs=0.02)
    assert ex.exposure_latitude(found["dose_low"], found["dose_high"]) == pytest.approx(el)
    assert found["clipped"] is False


@pytest.mark.points(2)
def test_dof_is_limited_and_flagged_by_the_sampled_dose_range(ex):
    # Highest dose 26: the band's top δ/β = 0.1 is cut to ln(26/24) = 0.0800, so the rectangle
    # of EL 5 % (ε = 2·atanh(0.025)) needs (α·h² − δ)/β <= 0.0800 − ε:
    # h = √((β·(0.0800 − ε) + δ)/α), smaller than the unclipped √((2δ − βε)/α).
    dose = uneven_doses(low=18.0, high=26.0)
    window = ex.ed_window(truth_grid(dose), dose, FOCUS, C0, TOL)
    epsilon = 2 * np.arctanh(0.025)

    found = ex.dof_at_el(window, 5.0)

    half = np.sqrt((BETA * (np.log(26 / E0) - epsilon) + DELTA) / ALPHA)
    assert 2 * half - 2 * STEP - 1e-9 <= found["dof"] <= 2 * half + 1e-9, found
    assert found["clipped"] is True
    assert found["dose_high"] == pytest.approx(26.0, abs=0.02)  # the band top is the limit

    # The widest single-focus band is ln(26/24) + δ/β wide: a larger EL fits nowhere.
    too_wide = 200 * np.tanh((np.log(26 / E0) + DELTA / BETA) / 2) + 0.5
    assert ex.dof_at_el(window, too_wide) == {
        "dof": 0.0, "center_focus": None, "center_dose": None, "dose_low": None,
        "dose_high": None, "clipped": False,
    }


@pytest.mark.points(2)
def test_in_spec_yield_counts_grid_points(ex):
    # 9 foci × 12 doses; a node is in spec when |β·ln(E/e0) − α·u²| <= δ (from the closed
    # form, on the coordinates, not on the CD array). No node sits within 1e-3 of an edge.
    focus = np.linspace(-0.2, 0.2, 9)
    dose = np.linspace(19.0, 30.0, 12)
    margin = BETA * np.log(dose[None, :] / E0) - ALPHA * (focus[:, None] - F0) ** 2
    assert np.abs(np.abs(margin) - DELTA).min() > 1e-3
    expected = (np.abs(margin) <= DELTA).sum() / margin.size
    cd = truth_grid(dose, focus)

    assert ex.in_spec_yield(cd, C0, TOL) == pytest.approx(expected, rel=1e-12)

    cd[0, :] = np.nan  # no model at the first focus: left out of both counts
    expected_known = (np.abs(margin[1:]) <= DELTA).sum() / margin[1:].size
    assert ex.in_spec_yield(cd, C0, TOL) == pytest.approx(expected_known, rel=1e-12)


@pytest.mark.points(1)
def test_the_longest_in_spec_run_is_the_window(ex):
    # One focus, 8 doses; in spec (40.5 to 49.5 nm) at index 0 alone and at 2..4. The window is
    # the longer run: its lower edge lies between doses 1 (60 nm) and 2 (45 nm) where CD meets
    # 49.5, a fraction (49.5 − 45)/(60 − 45) = 0.3 of the way in ln(dose) from dose 2 to dose 1;
    # the same at the upper edge between doses 4 and 5.
    dose = np.array([10.0, 11.0, 12.5, 14.0, 16.0, 18.0, 20.0, 23.0])
    cd = np.array([[45.0, 60.0, 45.0, 45.0, 45.0, 60.0, 60.0, 60.0]])

    window = ex.ed_window(cd, dose, np.array([0.0]), C0, TOL)

    low = np.exp(np.log(12.5) + 0.3 * (np.log(11.0) - np.log(12.5)))
    high = np.exp(np.log(16.0) + 0.3 * (np.log(18.0) - np.log(16.0)))
    assert window["dose_min"].iloc[0] == pytest.approx(low, rel=1e-12)
    assert window["dose_max"].iloc[0] == pytest.approx(high, rel=1e-12)
    assert not window["min_clipped"].iloc[0]
    assert not window["max_clipped"].iloc[0]
