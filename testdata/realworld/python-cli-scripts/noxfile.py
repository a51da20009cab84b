import nox


@nox.session(python=["3.9", "3.12"])
def tests(session):
    session.install(".[test]")
    session.run("coverage", "run", "-m", "unittest", "discover")
