def test_import():
    import inventory

    assert inventory.__doc__
