"""Cases derived here from the truth model: isofocal tilt, quartic flat tops, shifted fields and
their overlap, windows clipped by the sampled ranges, noise and outliers."""

import math

import numpy as np
import pytest

from litho import AnalysisOptions, Spec, analyze, analyze_groups, generate

SPEC = Spec(45.0, 10.0)
DOF_TOL = 0.001  # half the default focus grid step, see test_truth_window


@pytest.fixture(scope="module")
def tilted():
    return analyze(generate(isofocal_tilt=-1000.0), SPEC)


@pytest.fixture(scope="module")
def flat_top():
    return generate(alpha=0.0, quartic=2000.0)


@pytest.fixture(scope="module")
def two_fields():
    frame = generate(fields=2, field_focus_offsets=[-0.05, 0.05])
    return analyze_groups(frame, "Field", SPEC)


@pytest.fixture(scope="module")
def noisy():
    return [analyze(generate(noise_sigma=0.5, seed=seed), SPEC) for seed in range(10)]


class TestIsofocalTilt:
    """CD = c0 − β·u + (α + τ·u)·F² with u = ln(E/e0), τ = −1000 nm/µm² (mock isofocal_tilt)."""

    def test_isofocal_dose_and_cd(self, tilted):
        # Curvature 2(α + τu) vanishes at u = −α/τ = 0.12: E = 24·exp(0.12) = 27.0599 mJ/cm²,
        # where CD = c0 − β·0.12 = 39.6 nm at every focus.
        assert tilted["isofocal_dose"] == pytest.approx(24 * math.exp(0.12), rel=1e-9)
        assert tilted["isofocal_cd"] == pytest.approx(39.6, abs=1e-9)

    def test_best_focus_and_dose_to_size_unchanged(self, tilted):
        # At F = 0 the tilt term vanishes: vertex 0 and E_s = e0 as without tilt.
        assert tilted["best_focus"] == pytest.approx(0.0, abs=1e-9)
        assert tilted["dose_to_size"] == pytest.approx(24.0, rel=1e-9)

    def test_bossung_curvature_changes_sign(self, tilted):
        for row in tilted["bossung"]:
            # d²CD/dF² = 2(α + τ·ln(E/e0)): positive below 27.06 mJ/cm², negative above.
            expected = 2 * (120 - 1000 * math.log(row["dose"] / 24))
            assert row["curvature"] == pytest.approx(expected, abs=1e-6)

    def test_rectangle_dof(self, tilted):
        # Band at F (τ < 0): u ∈ [(αF² − δ)/(β + |τ|F²), (αF² + δ)/(β + |τ|F²)]. Both edges grow
        # with F² here (αβ − |τ|δ = 900 > 0), so over [−a, a] the band is
        # [(αa² − δ)/(β + |τ|a²), δ/β]; width ε gives a² = (2δ − βε)/(α − |τ|(δ/β − ε)).
        for row in tilted["process_window"]:
            eps = 2 * math.atanh(row["el_pct"] / 200)
            a = math.sqrt((9 - 45 * eps) / (120 - 1000 * (0.1 - eps)))
            # 0.620991 µm at 5 %, 0.387002 µm at 10 %
            assert row["dof"] == pytest.approx(2 * a, abs=DOF_TOL)


class TestQuarticFlatTop:
    """CD = c0 − β·u + q·F⁴ with α = 0, q = 2000 nm/µm⁴: flat-topped Bossungs."""

    def test_focus_degree_4_recovers_the_window(self, flat_top):
        result = analyze(flat_top, SPEC, AnalysisOptions(focus_degree=4))
        assert result["model"]["rms_residual"] == pytest.approx(0.0, abs=1e-9)
        assert result["dose_to_size"] == pytest.approx(24.0, rel=1e-9)
        for row in result["process_window"]:
            # Band over [−a, a]: [(q·a⁴ − δ)/β, δ/β], so a = ((2δ − βε)/q)^(1/4).
            eps = 2 * math.atanh(row["el_pct"] / 200)
            expected = 2 * ((9 - 45 * eps) / 2000) ** 0.25  # 0.482049 µm and 0.435497 µm
            assert row["dof"] == pytest.approx(expected, abs=DOF_TOL)

    def test_focus_degree_2_cannot_represent_it(self, flat_top):
        result = analyze(flat_top, SPEC, AnalysisOptions(focus_degree=2))
        # On the full grid the log-dose part is fitted exactly and the focus part is the best
        # quadratic in F to q·F⁴ over the 9 sampled foci; its residual is the model's RMS.
        foci = np.linspace(-0.4, 0.4, 9)
        quartic = 2000 * foci**4
        residual = quartic - np.polyval(np.polyfit(foci, quartic, 2), foci)
        assert result["model"]["rms_residual"] == pytest.approx(
            np.sqrt(np.mean(residual**2)), rel=1e-6)

    def test_flat_top_bossung_vertex(self, flat_top):
        result = analyze(flat_top, SPEC, AnalysisOptions(focus_degree=4))
        for row in result["bossung"]:
            # CD(F) = (c0 − β·ln(E/e0)) + q·F⁴: minimum at 0 with zero curvature.
            assert row["coefficients"] == pytest.approx(
                [45 - 45 * math.log(row["dose"] / 24), 0, 0, 0, 2000], abs=1e-6)
            assert row["vertex_focus"] == pytest.approx(0.0, abs=1e-9)
            assert row["curvature"] == pytest.approx(0.0, abs=1e-6)


class TestTwoShiftedFields:
    """Two fields with best focus −0.05 and +0.05 µm (half separation s = 0.05)."""

    def test_each_field_has_its_own_best_focus(self, two_fields, truth):
        assert set(two_fields["groups"]) == {"1", "2"}
        for name, focus in (("1", -0.05), ("2", 0.05)):
            group = two_fields["groups"][name]
            assert group["best_focus"] == pytest.approx(focus, abs=1e-9)
            assert group["process_window"][0]["dof"] == pytest.approx(
                truth.rectangle_dof(truth.centre_eps(5)), abs=DOF_TOL)

    def test_overlap_loses_the_separation(self, two_fields, truth):
        # Over [c − a, c + a] the common band's bottom is set by the farther field,
        # (α(a + |c| + s)² − δ)/β, and its top is δ/β while the interval holds a field's best
        # focus (a ≥ s). Best at c = 0: a + s = √((2δ − βε)/α), so
        # DOF_overlap = DOF_single − 2s (0.374325 µm at 5 %, 0.287137 µm at 10 %).
        overlap = two_fields["overlap"]
        assert overlap["model"]["kind"] == "overlap"
        assert overlap["best_focus"] is None
        for row in overlap["process_window"]:
            single = truth.rectangle_dof(truth.centre_eps(row["el_pct"]))
            assert row["dof"] == pytest.approx(single - 0.1, abs=DOF_TOL)
            assert row["center_focus"] == pytest.approx(0.0, abs=DOF_TOL)
            assert row["dof"] < two_fields["groups"]["1"]["process_window"][0]["dof"]

    def test_overlap_summary_counts_every_point(self, two_fields):
        assert two_fields["overlap"]["data_summary"]["points"] == 2 * 153


class TestClippedWindows:
    def test_focus_range_narrower_than_the_window(self):
        # Foci only ±0.1 µm: the true DOF (0.474 µm at 5 %) exceeds the sampled span, so the
        # rectangle and the ellipse can only fill the 0.2 µm that was sampled, and say so.
        frame = generate(foci=[-0.1, -0.05, 0.0, 0.05, 0.1])
        result = analyze(frame, SPEC)
        for row in result["process_window"]:
            assert row["dof"] == pytest.approx(0.2, abs=1e-9)
            assert row["clipped"] is True
            assert row["ellipse_dof"] == pytest.approx(0.2, abs=0.002)
            assert row["ellipse_clipped"] is True

    def test_dose_range_narrower_than_the_window(self):
        # Doses 22.8..25.2 mJ/cm²: u ∈ [ln(22.8/24), ln(25.2/24)] = [−0.05129, 0.04879], inside
        # the best-focus band [−0.1, 0.1]. The band's top is the sampled u_max, so over
        # [−a, a] the width u_max − (αa² − δ)/β = ε gives a² = (δ + β(u_max − ε))/α.
        frame = generate(doses=np.round(np.linspace(22.8, 25.2, 13), 6))
        result = analyze(frame, SPEC, AnalysisOptions(el_pct=(5.0, 8.0)))
        u_max = math.log(25.2 / 24)
        # Max EL is the whole sampled range: 100·(25.2 − 22.8)/24 = 10 %.
        assert result["max_el_pct"] == pytest.approx(10.0, rel=1e-6)
        for row in result["process_window"]:
            eps = 2 * math.atanh(row["el_pct"] / 200)
            expected = 2 * math.sqrt((4.5 + 45 * (u_max - eps)) / 120)  # 0.384924, 0.321124 µm
            assert row["dof"] == pytest.approx(expected, abs=DOF_TOL)
            assert row["dose_max"] == pytest.approx(25.2, rel=1e-9)
            assert row["clipped"] is True
            assert row["ellipse_clipped"] is True
        assert any(r["dose_max_clipped"] for r in result["ed_window"])


class TestNoise:
    """Gaussian CD noise σ = 0.5 nm on the 153-point default FEM, ten seeds.

    Standard errors, from least squares on 153 points and 9 surface terms:
    - best focus = −b1/(2α); b1 (nm/µm) has SE σ/√(ΣF²) = 0.5/√(153·0.0667) = 0.157, so
      SE(best focus) = 0.157/240 = 0.00065 µm;
    - dose-to-size: modelled CD at the centre has SE ≈ σ·√(9/153) = 0.12 nm, moving ln(E_s) by
      0.12/β, i.e. SE(E_s) ≈ 24·0.12/45 = 0.065 mJ/cm²;
    - DOF = 2√(X/α) with X = 2δ − βε: both edges move by ≈ 0.12 nm (ΔX ≈ 0.24 nm) and α has a
      relative SE of 0.6 %, so SE(DOF) ≈ DOF·(ΔX/2X + 0.003) ≈ 0.010 µm at 5 % EL.
    Tolerances are about 5 SE: a false failure in ten seeds has a chance below 1e-4.
    """

    def test_best_focus_and_dose_to_size(self, noisy):
        for result in noisy:
            assert result["best_focus"] == pytest.approx(0.0, abs=0.0035)
            assert result["dose_to_size"] == pytest.approx(24.0, abs=0.33)

    def test_dof(self, noisy, truth):
        for index, el in enumerate((5.0, 10.0)):
            expected = truth.rectangle_dof(truth.centre_eps(el))
            errors = [r["process_window"][index]["dof"] - expected for r in noisy]
            assert max(abs(e) for e in errors) < 0.05
            # The mean of ten has a third of the SE: no bias beyond 0.02 µm.
            assert abs(np.mean(errors)) < 0.02

    def test_rms_residual_estimates_the_noise(self, noisy):
        # RMS residual² ≈ σ²·(n − p)/n = 0.25·144/153: RMS ≈ 0.485 nm; its relative spread is
        # about 1/√(2·144) = 6 %, so ±20 % is a wide margin.
        for result in noisy:
            assert result["model"]["rms_residual"] == pytest.approx(0.485, rel=0.2)


def test_outliers_are_left_out_and_counted(truth):
    # 4 % of 153 points = 6 points moved by 15–30 % of target (6.75–13.5 nm), against noise of
    # 0.3 nm: each is more than 20 σ out and is rejected; the rest is analysed as clean data
    # (SE of DOF ≈ 0.006 µm at σ = 0.3, see TestNoise).
    for seed in range(3):
        frame = generate(noise_sigma=0.3, outlier_fraction=0.04, seed=seed)
        result = analyze(frame, SPEC)
        assert result["data_summary"]["outliers_excluded"] == 6
        assert any("outlying" in note for note in result["warnings"])
        assert result["process_window"][0]["dof"] == pytest.approx(
            truth.rectangle_dof(truth.centre_eps(5)), abs=0.03)
        kept = analyze(frame, SPEC, AnalysisOptions(reject_outliers=False))
        assert kept["data_summary"]["outliers_excluded"] == 0
