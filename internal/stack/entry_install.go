package stack

// InstallCommand returns the command that installs the unit's
// dependencies from its lock file with its own package manager ("bun
// install --frozen-lockfile", "npm ci", "uv sync --frozen"), or "" when
// the build installs them itself (Go, Rust, Maven, Gradle) or nothing is
// known.
func (s *Service) InstallCommand() string {
	locked := s.Lockfile != "" || s.WorkspaceLock != ""
	switch s.PackageManager {
	case "npm":
		if locked {
			return "npm ci"
		}
		return "npm install"
	case "pnpm":
		if locked {
			return "pnpm install --frozen-lockfile"
		}
		return "pnpm install"
	case "yarn":
		if locked {
			return "yarn install --frozen-lockfile"
		}
		return "yarn install"
	case "bun":
		if locked {
			return "bun install --frozen-lockfile"
		}
		return "bun install"
	case "uv":
		if locked {
			return "uv sync --frozen"
		}
		return "uv sync"
	case "poetry":
		return "poetry install"
	case "pipenv":
		if locked {
			return "pipenv install --deploy --dev"
		}
		return "pipenv install --dev"
	case "pip":
		if s.Manifest == "requirements.txt" {
			return "pip install -r requirements.txt"
		}
		if s.Manifest == "pyproject.toml" {
			return "pip install ."
		}
	}
	return ""
}
