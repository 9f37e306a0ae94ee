from ch01_demo import create_app


def test_ping():
    assert create_app().test_client().get("/ping").json == {"pong": True}
