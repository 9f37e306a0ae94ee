"""Mean CD."""


def mean_cd(values: list[float]) -> float:
    """Arithmetic mean; ValueError for an empty list."""
    if not values:
        raise ValueError("no CD values")
    return sum(values) / len(values)
