package cicd

import (
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// ciUsesPytest reports whether the service runs its tests with pytest.
func ciUsesPytest(c *ciSvc) bool {
	if strings.Contains(c.s.Test, "pytest") || c.has("pytest.ini") || c.has("conftest.py") || c.has("tests/conftest.py") {
		return true
	}
	for _, f := range []string{"pyproject.toml", "requirements.txt", "requirements-dev.txt", "setup.cfg", "tox.ini"} {
		if strings.Contains(string(c.read(f)), "pytest") {
			return true
		}
	}
	return false
}

func ciPython(c *ciSvc) ([]ciStep, []ciKV, int, error) {
	pm := c.s.PackageManager
	switch {
	case pm == "uv" || pm == "poetry" || pm == "pip":
	case c.has("uv.lock"):
		pm = "uv"
	case c.has("poetry.lock"):
		pm = "poetry"
	default:
		pm = "pip"
	}
	pytest := ciUsesPytest(c)
	if !pytest {
		c.note("no pytest configuration or dependency found; CI installs the project but runs no tests")
	}
	if pm == "uv" {
		st, env, err := ciUV(c, pytest)
		return st, env, 15, err
	}
	var w []string
	switch {
	case c.has(".python-version"):
		w = append(w, "python-version-file", c.file(".python-version"))
	case ciVersion(c) != "":
		w = append(w, "python-version", ciVersion(c))
	default:
		w = append(w, "python-version", "3.x")
		c.note("%s; CI uses the latest Python 3", ciNoVersion(c, ".python-version, requires-python"))
	}
	var steps []ciStep
	if pm == "poetry" {
		steps = append(steps, ciRun("Install Poetry", "pipx install poetry"))
		if c.has("poetry.lock") {
			w = append(w, "cache", "poetry", "cache-dependency-path", c.file("poetry.lock"))
		}
	} else if reqs := ciRequirements(c); len(reqs) > 0 {
		w = append(w, "cache", "pip", "cache-dependency-path", strings.Join(reqs, "\n"))
	}
	setup, err := ciAction("Set up Python", "actions/setup-python", ciWith(w...))
	if err != nil {
		return nil, nil, 0, err
	}
	steps = append(steps, setup)
	if pm == "poetry" {
		steps = append(steps, ciRun("Install dependencies", "poetry install --no-interaction"))
		if pytest {
			steps = append(steps, ciRun("Test", "poetry run pytest"))
		}
		return steps, nil, 15, nil
	}
	var install []string
	for _, r := range []string{"requirements.txt", "requirements-dev.txt"} {
		if c.has(r) {
			install = append(install, "-r "+r)
		}
	}
	if len(install) == 0 && (c.has("pyproject.toml") || c.has("setup.py")) {
		install = append(install, ".")
	}
	if len(install) > 0 {
		steps = append(steps, ciRun("Install dependencies", "python -m pip install "+strings.Join(install, " ")))
	}
	if pytest {
		if !ciPytestDeclared(c) {
			steps = append(steps, ciRun("Install pytest", "python -m pip install pytest"))
		}
		steps = append(steps, ciRun("Test", "python -m pytest"))
	}
	return steps, nil, 15, nil
}

// ciRequirements lists the pip files that key the pip cache.
func ciRequirements(c *ciSvc) []string {
	var out []string
	for _, f := range []string{"requirements.txt", "requirements-dev.txt", "pyproject.toml", "setup.py"} {
		if c.has(f) {
			out = append(out, c.file(f))
		}
	}
	return out
}

// ciPytestDeclared reports whether a pip requirements file installs pytest.
func ciPytestDeclared(c *ciSvc) bool {
	for _, f := range []string{"requirements.txt", "requirements-dev.txt"} {
		if strings.Contains(string(c.read(f)), "pytest") {
			return true
		}
	}
	return false
}

func ciUV(c *ciSvc, pytest bool) ([]ciStep, []ciKV, error) {
	w := []string{"enable-cache", "true"}
	if c.has("uv.lock") {
		w = append(w, "cache-dependency-glob", c.file("uv.lock"))
	}
	setup, err := ciAction("Set up uv", "astral-sh/setup-uv", ciWith(w...))
	if err != nil {
		return nil, nil, err
	}
	var env []ciKV
	if !c.has(".python-version") && ciVersion(c) != "" {
		env = append(env, ciKV{Key: "UV_PYTHON", Value: kit.YAMLScalar(ciVersion(c))})
	}
	sync := "uv sync --frozen"
	if !c.has("uv.lock") {
		sync = "uv sync"
		c.note("no uv.lock; CI resolves dependencies afresh (commit uv.lock for reproducible builds)")
	}
	steps := []ciStep{setup, ciRun("Install dependencies", sync)}
	if pytest {
		steps = append(steps, ciRun("Test", "uv run pytest"))
	}
	return steps, env, nil
}
