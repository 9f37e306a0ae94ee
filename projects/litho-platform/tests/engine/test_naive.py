"""The naive method of LITHO.md, and the three ways it goes wrong that the engine avoids."""

import pytest

from litho import Spec, analyze, generate
from litho.naive import naive_window


@pytest.fixture
def write(tmp_path):
    def write_frame(frame):
        path = tmp_path / "fem.csv"
        frame.to_csv(path, index=False)
        return path
    return write_frame


def test_spans_are_bounded_by_the_grid(write):
    # ±40 % spec: CD 27–63 nm. Every sampled focus has some in-spec dose, so the naive "DOF"
    # is the whole sampled span, 0.8 µm. The engine's window also reaches both ends of the
    # sampled focus range and flags its rectangle as clipped instead of calling it the answer.
    path = write(generate())
    naive = naive_window(path, 45.0, 40.0)
    assert naive["dof"] == pytest.approx(0.8)
    result = analyze(generate(), Spec(45.0, 40.0))
    assert result["process_window"][0]["clipped"] is True


def test_spans_describe_no_rectangle(write, truth):
    # ±10 % spec: in spec where |−45·ln(E/24) + 120·F²| ≤ 4.5 on the sampled grid.
    # Lowest in-spec dose: at F = 0, ln(E/24) ≥ −0.1 gives E ≥ 21.72, sampled 22.0.
    # Highest: 28 (at F = ±0.2 and ±0.3, where 45·ln(28/24) = 6.94 lies in 120·F² ± 4.5).
    # Widest focus: ±0.3 (at ±0.4, 120·0.16 − 4.5 = 14.7 needs E ≥ 33.3, not sampled).
    # The naive spans claim 0.6 µm of DOF and 100·6/25 = 24 % EL at once, but these come from
    # different corners of a bent window: no window here reaches 24 % EL at all (its maximum is
    # 200·tanh(0.1) = 19.93 %), and the rectangle of 5 % EL is 0.474 µm.
    naive = naive_window(write(generate()), 45.0, 10.0)
    assert naive["dof"] == pytest.approx(0.6)
    assert naive["el_pct"] == pytest.approx(24.0)
    result = analyze(generate(), Spec(45.0, 10.0))
    assert result["max_el_pct"] < naive["el_pct"]
    assert result["process_window"][0]["dof"] == pytest.approx(
        truth.rectangle_dof(truth.centre_eps(5)), abs=0.001)


def test_nearest_point_best_focus_sticks_to_grid_values(write):
    # True best focus 0.03 µm lies between the sampled foci 0.0 and 0.1: the naive method can
    # only answer a sampled value (0.0, the nearer one), the engine finds 0.03.
    frame = generate(f0=0.03)
    naive = naive_window(write(frame), 45.0, 10.0)
    assert naive["best_focus"] == 0.0
    assert naive["dose_to_size"] == 24.0
    assert analyze(frame, Spec(45.0, 10.0))["best_focus"] == pytest.approx(0.03, abs=1e-9)


def test_in_spec_fraction_matches_the_engine_summary(write):
    frame = generate(noise_sigma=0.3, seed=2)
    naive = naive_window(write(frame), 45.0, 10.0)
    result = analyze(frame, Spec(45.0, 10.0))
    # Both count |CD − 45| ≤ 4.5 over the same 153 points; the file stores CD rounded to
    # pandas' default 17 significant digits, so the counts agree exactly.
    assert naive["in_spec_fraction"] == result["data_summary"]["in_spec_fraction"]
