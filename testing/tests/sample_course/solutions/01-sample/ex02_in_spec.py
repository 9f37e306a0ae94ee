"""In-spec test."""


def in_spec(cd_nm: float, target_nm: float, tolerance_pct: float) -> bool:
    """True when |CD - T| <= T * tol / 100."""
    return abs(cd_nm - target_nm) <= target_nm * tolerance_pct / 100
