"""Mean CD."""


def mean_cd(values: list[float]) -> float:
    """Arithmetic mean; ValueError for an empty list."""
    raise NotImplementedError("ex03: average")
