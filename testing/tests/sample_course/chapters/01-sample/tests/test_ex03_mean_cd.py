import pytest

HINT = "An empty list has no mean: raise ValueError."


@pytest.mark.points(2)
def test_mean(ex):
    assert ex.mean_cd([44.0, 46.0]) == 45.0


@pytest.mark.points(1)
def test_empty_refused(ex):
    with pytest.raises(ValueError):
        ex.mean_cd([])
