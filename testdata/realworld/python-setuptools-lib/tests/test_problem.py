from optwrap import Problem


def test_objective_at_origin():
    assert Problem(3).objective(Problem(3).x0) == 0.0
