"""Shared closed forms of the mock truth (LITHO.md, "A simple truth to test against").

With CD = c0 − β·ln(E/e0) + α·(F − f0)², T = c0 and δ = T·tol/100, the in-spec dose band at a
focus F is ln(E/e0) ∈ [(α(F−f0)² − δ)/β, (α(F−f0)² + δ)/β]. Every formula below follows
from that band; each test says which one it uses.
"""

import math
from types import SimpleNamespace

import pytest

# The mock's defaults (litho.mock): T = c0 = 45 nm, β = 45 nm, α = 120 nm/µm², e0 = 24 mJ/cm²,
# doses 20..28 mJ/cm² in 17 steps, foci −0.4..0.4 µm in 9 steps; spec ±10 % gives δ = 4.5 nm.
C0, BETA, ALPHA, E0 = 45.0, 45.0, 120.0, 24.0
DELTA = 4.5


def centre_eps(el_pct: float) -> float:
    """ln(hi/lo) of an interval whose EL relative to its centre dose is el_pct:
    EL/100 = 2(r − 1)/(r + 1) with r = hi/lo, so ln r = 2·atanh(EL/200)."""
    return 2.0 * math.atanh(el_pct / 200.0)


def rectangle_dof(eps: float, delta: float = DELTA, beta: float = BETA,
                  alpha: float = ALPHA) -> float:
    """LITHO.md: over [f0 − a, f0 + a] the common band is [(αa² − δ)/β, δ/β]; its width
    equals ε when a = √((2δ − βε)/α); DOF = 2a."""
    return 2.0 * math.sqrt((2.0 * delta - beta * eps) / alpha)


def ellipse_dof(eps: float, delta: float = DELTA, beta: float = BETA,
                alpha: float = ALPHA) -> float:
    """Largest ellipse (focus semi-axis a, ln-dose semi-axis b = ε/2) in the same band.

    With D = δ/β, A = αa²/β and s = ((F − f0)/a)²: the top constraint uc + b√(1−s) ≤ D + A·s
    binds at s = 0 (uc ≤ D − b); the bottom one uc − b√(1−s) ≥ A·s − D is worst where
    d/ds = 0, giving uc ≥ A − D + b²/(4A) when b < 2A. Both hold iff (2A + b)² ≤ 8AD, whose
    largest root is A = D − b/2 + √(D(D − b)); DOF = 2a = 2√(βA/α).
    """
    d, b = delta / beta, eps / 2.0
    a_term = d - b / 2.0 + math.sqrt(d * (d - b))
    return 2.0 * math.sqrt(beta * a_term / alpha)


@pytest.fixture
def truth():
    """The default truth parameters and the closed forms above."""
    return SimpleNamespace(c0=C0, beta=BETA, alpha=ALPHA, e0=E0, delta=DELTA,
                           centre_eps=centre_eps, rectangle_dof=rectangle_dof,
                           ellipse_dof=ellipse_dof)
