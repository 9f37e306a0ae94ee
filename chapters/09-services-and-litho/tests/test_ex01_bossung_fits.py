"""Graded: ex01_bossung_fits, per-dose weighted least-squares Bossung fits and residuals.

Every expected number is derived from a polynomial written down in the test, never from a run
of the reference solution.
"""

import numpy as np
import pandas as pd
import pytest

HINT = (
    "Group the rows by dose; for each group build the Vandermonde matrix of focus (increasing "
    "powers), multiply its rows and the CDs by the square root of the weights, and solve with "
    "np.linalg.lstsq. Residuals are cd minus the fitted polynomial at the row's own focus."
)

FOCI = np.array([-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3])


def shuffled(frame: pd.DataFrame, seed: int = 5) -> pd.DataFrame:
    """Rows in a random order under a non-default index, as a filtered CSV would give them."""
    out = frame.sample(frac=1.0, random_state=seed)
    out.index = np.arange(len(out)) * 3 + 7
    return out


def polynomial_fem(polys: dict[float, list[float]], foci=FOCI) -> pd.DataFrame:
    """Rows on the exact polynomials ``{dose: [c0, c1, ...]}`` at every focus."""
    frames = []
    for dose, coefficients in polys.items():
        cd = np.polynomial.polynomial.polyval(foci, coefficients)
        frames.append(pd.DataFrame({"dose": dose, "focus": foci, "cd": cd}))
    return shuffled(pd.concat(frames, ignore_index=True))


@pytest.mark.points(2)
def test_exact_quadratics_give_their_coefficients_per_dose(ex):
    # CD = c0 − β·ln(E/24) + α·(F − f0)² expanded in F: c2 = α, c1 = −2·α·f0,
    # c0 = 45 − 45·ln(E/24) + α·f0². α = 120 nm/µm², f0 = 0.04 µm, two doses.
    alpha, f0 = 120.0, 0.04
    polys = {dose: [45 - 45 * np.log(dose / 24) + alpha * f0**2, -2 * alpha * f0, alpha]
             for dose in (22.0, 26.0)}
    fem = polynomial_fem(polys)

    fits = ex.fit_bossung(fem)

    assert list(fits.index) == [22.0, 26.0], f"index {list(fits.index)}"
    assert fits.index.name == "dose"
    for dose, expected in polys.items():
        got = fits.loc[dose, ["c0", "c1", "c2"]].to_numpy(dtype=float)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8,
                                   err_msg=f"coefficients at dose {dose}")
        assert fits.loc[dose, "points"] == 7
        assert (fits.loc[dose, "focus_min"], fits.loc[dose, "focus_max"]) == (-0.3, 0.3)
        assert fits.loc[dose, "rms_residual"] == pytest.approx(0.0, abs=1e-8)


@pytest.mark.points(2)
def test_degree_four_recovers_an_asymmetric_quartic(ex):
    # CD = 40 + 2F − 30F² + 25F³ + 400F⁴: all five coefficients known; a quadratic cannot
    # represent it, so degree=4 must really be used.
    quartic = [40.0, 2.0, -30.0, 25.0, 400.0]
    fem = polynomial_fem({25.0: quartic}, foci=np.linspace(-0.3, 0.3, 9))

    fits = ex.fit_bossung(fem, degree=4)

    got = fits.loc[25.0, ["c0", "c1", "c2", "c3", "c4"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, quartic, rtol=0, atol=1e-6)
    assert fits.loc[25.0, "rms_residual"] == pytest.approx(0.0, abs=1e-8)
    quadratic = ex.fit_bossung(fem, degree=2)
    assert "c3" not in quadratic.columns
    assert quadratic.loc[25.0, "rms_residual"] > 0.1


def weighted_pairs():
    """Two CDs per focus, weights 1 and 3, around P(F) = 40 + 5F + 100F²: y1 = P + 3d and
    y3 = P − d. The weighted mean (y1 + 3·y3)/4 is P at every focus, so the weighted quadratic
    through three foci is P exactly; the plain mean is P + d, so an unweighted fit is not."""
    poly = [40.0, 5.0, 100.0]
    foci = np.array([-0.2, 0.0, 0.2])
    d = np.array([1.0, -2.0, 0.5])
    p = np.polynomial.polynomial.polyval(foci, poly)
    fem = pd.DataFrame({
        "dose": 24.0,
        "focus": np.concatenate([foci, foci]),
        "cd": np.concatenate([p + 3 * d, p - d]),
        "w": np.concatenate([np.ones(3), np.full(3, 3.0)]),
    })
    return poly, d, shuffled(fem, seed=11)


@pytest.mark.points(3)
def test_weights_are_used_and_residuals_follow(ex):
    poly, d, fem = weighted_pairs()

    fits = ex.fit_bossung(fem, weight="w")

    got = fits.loc[24.0, ["c0", "c1", "c2"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, poly, rtol=0, atol=1e-8,
                               err_msg="the weighted fit must pass through the weighted means")
    # Residuals: +3d for the weight-1 rows, −d for the weight-3 rows; RMS over the six rows
    # (unweighted) is √((9·Σd² + Σd²)/6).
    expected_rms = np.sqrt(10 * np.sum(d**2) / 6)
    assert fits.loc[24.0, "rms_residual"] == pytest.approx(expected_rms, rel=1e-9)

    unweighted = ex.fit_bossung(fem.drop(columns="w"))
    # Without weights the curve passes through P + d: c0 is P(0) + d(0) = 40 − 2.
    assert unweighted.loc[24.0, "c0"] == pytest.approx(38.0, abs=1e-8)


@pytest.mark.points(2)
def test_an_outlier_with_a_tiny_weight_does_not_move_the_fit(ex):
    # Seven points on P(F) = 45 − 10F + 150F² with weight 1, one at F = 0.1 that is 20 nm off
    # with weight 1e-9: the weighted fit stays on P (its pull is ~1e-8 nm), while ignoring
    # weights moves c0 by about 20·(leverage), several nm (checked below with numpy).
    poly = [45.0, -10.0, 150.0]
    fem = polynomial_fem({24.0: poly})
    fem["w"] = 1.0
    fem.loc[len(fem) * 10] = [24.0, 0.1, np.polynomial.polynomial.polyval(0.1, poly) + 20, 1e-9]
    fem = shuffled(fem)
    plain_c0 = np.polynomial.polynomial.polyfit(fem["focus"], fem["cd"], 2)[0]
    assert abs(plain_c0 - 45.0) > 1.0  # the case is meaningful: unweighted is far off

    fits = ex.fit_bossung(fem, weight="w")

    got = fits.loc[24.0, ["c0", "c1", "c2"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, poly, rtol=0, atol=1e-4)
    assert fits.loc[24.0, "points"] == 8


@pytest.mark.points(2)
def test_residuals_keep_the_rows_index_and_order(ex):
    # Truth 50 + 80F² at both doses; row k gets +0.01·k added, so its residual is exactly the
    # perturbation only if it is matched to its own row (an index shift or a sort breaks it).
    fem = polynomial_fem({21.0: [50.0, 0.0, 80.0], 27.0: [44.0, 0.0, 80.0]})
    truth_fits = pd.DataFrame({"c0": [50.0, 44.0], "c1": [0.0, 0.0], "c2": [80.0, 80.0]},
                              index=pd.Index([21.0, 27.0], name="dose"))
    bump = 0.01 * np.arange(len(fem))
    fem["cd"] = fem["cd"] + bump

    got = ex.residuals(fem, truth_fits)

    assert got.name == "residual"
    assert list(got.index) == list(fem.index), "residuals must keep fem's index and order"
    np.testing.assert_allclose(got.to_numpy(), bump, rtol=0, atol=1e-9)

    with pytest.raises(ex.BossungFitError, match="27"):
        ex.residuals(fem, truth_fits.loc[[21.0]])


@pytest.mark.points(2)
def test_refused_input_says_why(ex):
    fem = polynomial_fem({22.0: [45.0, 0.0, 100.0], 26.0: [40.0, 0.0, 100.0]})
    two_foci = fem[~((fem["dose"] == 26.0) & (np.abs(fem["focus"]) > 0.15))]
    # dose 26 now has foci −0.1, 0, 0.1: enough for degree 2, not for degree 3
    assert len(ex.fit_bossung(two_foci)) == 2
    with pytest.raises(ex.BossungFitError, match="26") as raised:
        ex.fit_bossung(two_foci, degree=3)
    assert "22" not in str(raised.value), "only the dose that is short should be named"

    weighted = fem.assign(w=1.0)
    weighted.iloc[3, weighted.columns.get_loc("w")] = 0.0
    with pytest.raises(ex.BossungFitError):
        ex.fit_bossung(weighted, weight="w")
    weighted.iloc[3, weighted.columns.get_loc("w")] = np.nan
    with pytest.raises(ex.BossungFitError):
        ex.fit_bossung(weighted, weight="w")
    with pytest.raises(ex.BossungFitError, match="cd"):
        ex.fit_bossung(fem.drop(columns="cd"))
    with pytest.raises(ex.BossungFitError):
        ex.fit_bossung(fem, degree=0)
