"""Scale a CD."""


def scale(cd_nm: float, factor: float) -> float:
    """CD times factor, in nm."""
    return cd_nm * factor
