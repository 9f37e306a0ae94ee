"""Graded: ex02_best_focus, vertices, dose-to-size, best focus and isofocal dose from fits.

The fits are written down from a closed-form truth, so every expected number is known:
CD = c0 − β·ln(E/e0) + α·(F − f(E))², whose vertex at dose E is f(E) with CD c0 − β·ln(E/e0).
At E = e0 that is the target c0: the dose-to-size is e0 and the best focus f(e0).
"""

import numpy as np
import pandas as pd
import pytest
from numpy.polynomial import Polynomial

HINT = (
    "The vertex is a root of the fitted polynomial's derivative (numpy.polynomial.polynomial."
    "polyder and polyroots), not the best grid point. For the dose-to-size, interpolate the "
    "vertex CD linearly in ln(dose) between the two sampled doses that bracket the target."
)

C0, BETA, E0, F0 = 45.0, 45.0, 24.7, 0.04  # e0 and f0 are deliberately not sampled values
DOSES = np.array([18.0, 21.0, 25.0, 30.0, 34.0])  # uneven steps: ln(E) is not linear in E


def fits_from(polys, doses=DOSES, focus_range=(-0.3, 0.3)) -> pd.DataFrame:
    """A fits table (ex01's format) from one focus Polynomial per dose."""
    degree = max(p.degree() for p in polys)
    rows = [np.pad(p.coef, (0, degree + 1 - len(p.coef))) for p in polys]
    fits = pd.DataFrame(rows, columns=[f"c{k}" for k in range(degree + 1)],
                        index=pd.Index(doses, name="dose"))
    fits["focus_min"], fits["focus_max"] = focus_range
    return fits


def tilted(alpha=120.0, tilt=0.2):
    """Vertex drifting with dose: f(E) = F0 + tilt·ln(E/E0), linear in ln(E)."""
    logs = np.log(DOSES / E0)
    vertex = F0 + tilt * logs
    polys = [C0 - BETA * t + alpha * Polynomial([-f, 1.0]) ** 2
             for t, f in zip(logs, vertex, strict=True)]
    return fits_from(polys), vertex, C0 - BETA * logs


@pytest.mark.points(2)
def test_quadratic_vertices_are_exact(ex):
    fits, vertex, cd = tilted()

    got = ex.vertices(fits)

    assert list(got.index) == list(DOSES)
    np.testing.assert_allclose(got["vertex_focus"], vertex, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got["cd_at_vertex"], cd, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["curvature"], 240.0, rtol=1e-12)  # d²/dF² of 120·u²


@pytest.mark.points(3)
def test_quartic_vertex_is_the_stationary_point_not_a_grid_point(ex):
    # In u = F − f0: 100u² + 300u³ + 2000u⁴. Its derivative u·(200 + 900u + 8000u²) has the
    # single real root u = 0 (900² < 4·200·8000), so the vertex is exactly f0 = 0.0437 µm at
    # every dose, with CD c0 − β·ln(E/e0) and curvature 200 nm/µm².
    f0 = 0.0437
    u = Polynomial([-f0, 1.0])
    shape = 100 * u**2 + 300 * u**3 + 2000 * u**4
    logs = np.log(DOSES / E0)
    fits = fits_from([C0 - BETA * t + shape for t in logs])
    assert "c4" in fits.columns

    got = ex.vertices(fits)

    np.testing.assert_allclose(got["vertex_focus"], f0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["cd_at_vertex"], C0 - BETA * logs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["curvature"], 200.0, rtol=1e-9)

    # Several extrema inside the range: dCD/dF = 3000·(F + 0.25)(F − 0.05)(F − 0.2) has roots
    # −0.25 (min), 0.05 (max) and 0.2 (min). The one nearest the middle of ±0.3 µm is 0.05.
    slope = 3000 * Polynomial([0.25, 1]) * Polynomial([-0.05, 1]) * Polynomial([-0.2, 1])
    several = ex.vertices(fits_from([45 + slope.integ()] * len(DOSES)))
    np.testing.assert_allclose(several["vertex_focus"], 0.05, rtol=0, atol=1e-9)
    # d²CD/dF² at 0.05: 3000·((0.05 − 0.05)(...) + (0.3)(−0.15)) = 3000·(0.3·−0.15)
    np.testing.assert_allclose(several["curvature"], 3000 * 0.3 * -0.15, rtol=1e-9)


@pytest.mark.points(1)
def test_no_vertex_inside_the_range_is_nan(ex):
    # Vertex at 0.5 µm, outside the sampled ±0.3 µm: a minimum at the edge is not a vertex.
    fits = fits_from([45 + 100 * Polynomial([-0.5, 1.0]) ** 2] * len(DOSES))

    got = ex.vertices(fits)

    assert got[["vertex_focus", "cd_at_vertex", "curvature"]].isna().all().all(), got


@pytest.mark.points(3)
def test_dose_to_size_and_best_focus_interpolate_in_log_dose(ex):
    fits, _, _ = tilted()

    best = ex.best_conditions(fits, target_cd=C0)

    # Vertex CD and vertex focus are both linear in ln(E), so interpolating in ln(E) between
    # 21 and 25 mJ/cm² is exact: E_s = e0 and best focus = f(e0) = F0. Interpolating in E
    # instead misses by ~0.07 mJ/cm²; the nearest sampled dose by 0.3.
    assert best.dose_to_size == pytest.approx(E0, rel=1e-9)
    assert best.best_focus == pytest.approx(F0, abs=1e-9)

    # Another target: CD c0 − β·ln(E/e0) = 50 nm at E = e0·exp(−5/β).
    other = ex.best_conditions(fits, target_cd=50.0)
    expected_dose = E0 * np.exp(-5.0 / BETA)
    assert other.dose_to_size == pytest.approx(expected_dose, rel=1e-9)
    assert other.best_focus == pytest.approx(F0 + 0.2 * np.log(expected_dose / E0), abs=1e-9)


@pytest.mark.points(2)
def test_targets_outside_the_sampled_doses_are_refused(ex):
    fits, _, cd = tilted()
    # cd[0] (at 18 mJ/cm²) is the largest vertex CD, cd[-1] (34) the smallest.
    with pytest.raises(ex.OutOfRange):
        ex.best_conditions(fits, target_cd=cd[0] + 0.5)
    with pytest.raises(ex.OutOfRange):
        ex.best_conditions(fits, target_cd=cd[-1] - 0.5)
    edge = ex.best_conditions(fits, target_cd=cd[-1] + 1e-6)
    assert edge.dose_to_size == pytest.approx(34.0, rel=1e-6)

    # Vertex at F = 0, so cd_at_vertex is c0 exactly: a target equal to the first or the last
    # dose's vertex CD is reached, at that dose.
    c0 = np.array([52.0, 49.0, 45.0, 41.0, 38.0])
    flat = fits_from([Polynomial([c, 0.0, 120.0]) for c in c0])
    assert ex.best_conditions(flat, target_cd=38.0).dose_to_size == pytest.approx(34.0, rel=1e-12)
    assert ex.best_conditions(flat, target_cd=52.0).dose_to_size == pytest.approx(18.0, rel=1e-12)


@pytest.mark.points(2)
def test_isofocal_dose_where_the_curvature_changes_sign(ex):
    # Curvature 2·α(E) with α(E) = 30 − 400·ln(E/e0): zero at ln(E/e0) = 30/400, so the
    # isofocal dose is e0·exp(0.075) (linear in ln E, so interpolation in ln E is exact).
    logs = np.log(DOSES / E0)
    polys = [C0 - BETA * t + (30 - 400 * t) * Polynomial([-F0, 1.0]) ** 2 for t in logs]

    assert ex.isofocal_dose(fits_from(polys)) == pytest.approx(E0 * np.exp(0.075), rel=1e-9)

    fits, _, _ = tilted()
    assert ex.isofocal_dose(fits) is None
