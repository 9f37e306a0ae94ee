import pytest

HINT = "Multiply."


@pytest.mark.points(1)
def test_scale_by_one(ex):
    assert ex.scale(45.0, 1.0) == 45.0


@pytest.mark.points(2)
def test_scale_by_two(ex):
    assert ex.scale(45.0, 2.0) == 90.0
