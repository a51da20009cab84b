from sample.simple import add_one


def test_add_one():
    assert add_one(5) == 6
