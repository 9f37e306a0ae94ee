import pytest

HINT = "Compare the absolute deviation with the tolerance band."


@pytest.mark.points(2)
def test_inside(ex):
    assert ex.in_spec(47.0, 45.0, 10.0) is True


@pytest.mark.points(2)
def test_outside(ex):
    assert ex.in_spec(50.0, 45.0, 10.0) is False
