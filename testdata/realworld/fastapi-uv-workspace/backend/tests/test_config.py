def test_prefix():
    assert "/api/v1".startswith("/api")
