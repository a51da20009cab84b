// Package stack tells what a repository is: its services (language,
// version, package manager, commands, port) and the DevOps artifacts it
// already has. It reads only manifests, within a cap on files and bytes.
package stack

import "path"

// Language names a service's main language.
type Language string

// The languages stack detection knows.
const (
	Go     Language = "go"
	Node   Language = "node"
	Python Language = "python"
	Rust   Language = "rust"
	Java   Language = "java"
)

// Service is one deployable unit of the repository: a directory with a
// language manifest (go.mod, package.json, pyproject.toml, Cargo.toml,
// pom.xml, build.gradle...).
type Service struct {
	// Name is a short name for the service (the directory's base name, or
	// the module/package name for the root).
	Name string `json:"name"`
	// Dir is the service directory relative to the repository root,
	// slash-separated; "." for the root.
	Dir      string   `json:"dir"`
	Language Language `json:"language"`
	// Version is the language/runtime version the manifests state
	// ("1.22", "20", "3.12", "1.78", "21"); empty when none is stated.
	Version string `json:"version,omitempty"`
	// VersionSource names the file the version came from.
	VersionSource string `json:"version_source,omitempty"`
	// Manifest is the file that made the directory a service (go.mod,
	// package.json, pyproject.toml, requirements.txt, Pipfile, manage.py,
	// Cargo.toml, pom.xml, build.gradle or build.gradle.kts), relative to
	// Dir.
	Manifest string `json:"manifest,omitempty"`
	// Edition is the Rust edition Cargo.toml states ("2021"): a hint at
	// the oldest toolchain when no rust-version is given.
	Edition string `json:"edition,omitempty"`
	// PackageManager is npm, yarn, pnpm, bun, pip, pipenv, poetry, uv,
	// cargo, maven, gradle or go.
	PackageManager string `json:"package_manager,omitempty"`
	// Lockfile is the lock file in Dir ("pnpm-lock.yaml"), relative to
	// Dir; empty when the lock file belongs to a workspace root above.
	Lockfile string `json:"lockfile,omitempty"`
	// WorkspaceLock is the lock file of the workspace root above Dir that
	// the service installs from (npm/yarn/pnpm workspaces, Cargo and uv
	// workspaces), relative to the repository root ("pnpm-lock.yaml");
	// its directory is the build context that sees both.
	WorkspaceLock string `json:"workspace_lock,omitempty"`
	// Build, Test, Lint and Start are shell commands (run in Dir); empty
	// when nothing states them and no convention applies.
	Build string `json:"build,omitempty"`
	Test  string `json:"test,omitempty"`
	Lint  string `json:"lint,omitempty"`
	Start string `json:"start,omitempty"`
	// Mains are Go main packages relative to Dir ("." or "./cmd/api").
	Mains []string `json:"mains,omitempty"`
	// Entry is the program entry for interpreted stacks (package.json main,
	// a Python module or file), relative to Dir.
	Entry string `json:"entry,omitempty"`
	// Port is the TCP port the code or config says the service listens
	// on; 0 when unknown.
	Port int `json:"port,omitempty"`
	// PortSource names the file the port came from, or, when nothing
	// states a port, the server whose default it is ("uvicorn's default:
	// no port stated", "Spring Boot's default: no server.port stated").
	PortSource string `json:"port_source,omitempty"`
	// Module is the Go module path, the npm package name, the Python
	// project name, the crate name or the Maven artifactId.
	Module string `json:"module,omitempty"`
	// Frameworks lists notable frameworks seen in the manifest
	// (express, fastify, next, flask, fastapi, django, spring-boot, gin...).
	// "cgo" means a direct Go dependency only builds with cgo
	// (mattn/go-sqlite3, confluent-kafka-go...): keep CGO_ENABLED=1 and a
	// C toolchain in the build stage and libc in the runtime image.
	Frameworks []string `json:"frameworks,omitempty"`
	// Deps lists backing services the direct runtime dependencies point
	// at: postgres, mysql, redis, mongodb, rabbitmq, kafka (never for an
	// indirect go.mod requirement, a devDependency or an SQLite driver).
	Deps []string `json:"deps,omitempty"`

	// Kind is what the unit is (KindService, KindCLI, ...); KindReason
	// says why detection believes so, for people.
	Kind       Kind   `json:"kind,omitempty"`
	KindReason string `json:"kind_reason,omitempty"`
	// EntryReason says why Entry (or the first of Mains) was chosen over
	// the other candidates.
	EntryReason string `json:"entry_reason,omitempty"`
	// Context is the build context, relative to the repository root: the
	// smallest directory holding the unit, its local dependencies (go.mod
	// replace targets, Cargo path dependencies, workspace members it uses)
	// and its lockfile. "." for the root. A Dockerfile may stay in Dir;
	// builds then pass Context and -f Dir/Dockerfile.
	Context string `json:"context,omitempty"`
	// HealthPath is the HTTP path the code serves for health checks
	// ("/healthz"); empty when none is seen.
	HealthPath string `json:"health_path,omitempty"`
	// HealthSource is the file, relative to Dir, that states HealthPath.
	HealthSource string `json:"health_source,omitempty"`
	// Env is the environment the code reads (os.Getenv, process.env, a
	// settings class, Spring properties), sorted by name.
	Env []EnvVar `json:"env,omitempty"`
	// TestNeeds are the backing services and variables the tests are given
	// where they run today (an existing workflow job or Compose); nil when
	// nothing gives them any.
	TestNeeds *TestNeeds `json:"test_needs,omitempty"`
	// Image is what the unit's own Dockerfile (in Dir) builds, when it has
	// one: the user it runs as and the port it exposes.
	Image *Image `json:"image,omitempty"`
}

// Kind is what a unit of the repository is. Only services are
// containerized or deployed unless a request names the unit.
type Kind string

// The kinds of unit.
const (
	KindService Kind = "service" // listens on a port: a web or API server
	KindWorker  Kind = "worker"  // runs long without serving (queue consumer, bot)
	KindCLI     Kind = "cli"     // a command people run
	KindLibrary Kind = "library" // imported by others; nothing to run
	KindAction  Kind = "action"  // a GitHub Action (action.yml)
	KindSite    Kind = "site"    // a static or docs site
	KindFixture Kind = "fixture" // test data under a test folder
	KindExample Kind = "example" // sample code under examples/, docs/...
)

// EnvVar is one environment variable a unit reads.
type EnvVar struct {
	Name string `json:"name"`
	// Default is the value the code falls back to; empty when none.
	Default string `json:"default,omitempty"`
	// Required is set when the code refuses to start without it (a schema
	// without default, a settings field without default).
	Required bool `json:"required,omitempty"`
	// Secret is set for names that hold credentials (PASSWORD, TOKEN,
	// SECRET, KEY, DATABASE_URL...): they are passed as references, never
	// values.
	Secret bool `json:"secret,omitempty"`
	// Source is the file the variable was read from, relative to Dir.
	Source string `json:"source,omitempty"`
}

// Unsupported is a unit in a language the built-in specialists cannot
// build (OCaml, PHP, Ruby, R, C/C++, Elixir, .NET...). It is named so the
// lead can say so plainly; tasks that do not need the language go ahead.
type Unsupported struct {
	Dir string `json:"dir"`
	// Language is a lower-case id: ocaml, php, ruby, r, cpp (C or C++:
	// CMake, Meson, autoconf), elixir, swift, haskell, scala, dart, zig,
	// deno or dotnet (C#, F#). LanguageName gives the name people know.
	Language string `json:"language"`
	// Manifest is the file that showed the language (dune-project,
	// composer.json, Gemfile, DESCRIPTION, CMakeLists.txt, mix.exs, *.csproj).
	Manifest string `json:"manifest"`
	// Image is what the unit's own Dockerfile (in Dir) builds; nil when
	// it has none. A deployment needs no knowledge of the language when
	// the image exists.
	Image *Image `json:"image,omitempty"`
}

// Workspace is a multi-package root: go.work, a Cargo, npm, pnpm, yarn,
// bun, uv or poetry workspace, Maven modules or Gradle subprojects.
type Workspace struct {
	// Dir is the workspace root relative to the repository root.
	Dir string `json:"dir"`
	// Tool is go, cargo, npm, pnpm, yarn, bun, uv, poetry, maven or gradle.
	Tool string `json:"tool"`
	// Members are the member directories relative to the repository root.
	Members []string `json:"members,omitempty"`
	// Lockfile is the workspace's lock file, relative to the repository
	// root; empty when it has none.
	Lockfile string `json:"lockfile,omitempty"`
}

// Artifacts are the DevOps files the repository already has, each a
// slash-separated path relative to the repository root.
type Artifacts struct {
	Dockerfiles    []string `json:"dockerfiles,omitempty"`
	Dockerignores  []string `json:"dockerignores,omitempty"`
	ComposeFiles   []string `json:"compose_files,omitempty"`
	Workflows      []string `json:"workflows,omitempty"`
	TerraformRoots []string `json:"terraform_roots,omitempty"` // directories
	Kubernetes     []string `json:"kubernetes,omitempty"`      // manifest files
	HelmCharts     []string `json:"helm_charts,omitempty"`     // chart directories
	Prometheus     []string `json:"prometheus,omitempty"`      // rule files
	Wrangler       []string `json:"wrangler,omitempty"`        // wrangler.toml files
}

// Repo is what detection found.
type Repo struct {
	Services  []Service `json:"services"`
	Artifacts Artifacts `json:"artifacts"`
	// Workspaces are the multi-package roots found.
	Workspaces []Workspace `json:"workspaces,omitempty"`
	// Unsupported are units in languages the built-in brain cannot build.
	Unsupported []Unsupported `json:"unsupported,omitempty"`
	// Warnings are manifests that could not be read (malformed, too big),
	// each naming the file and what is wrong. Detection goes on without
	// them.
	Warnings []string `json:"warnings,omitempty"`
	// FilesSeen counts the directory entries walked (files and
	// directories, skipped trees not entered); BytesRead the bytes of the
	// manifests and source files read. Together they are the work
	// detection did.
	FilesSeen int   `json:"files_seen"`
	BytesRead int64 `json:"bytes_read"`
	// Truncated is set when the file cap stopped the walk early.
	Truncated bool `json:"truncated,omitempty"`
	// Focus is the subtree detection was focused on (Options.Dir, cleaned);
	// "" for the whole repository.
	Focus string `json:"focus,omitempty"`
}

// Service returns the service in dir, or nil.
func (r *Repo) Service(dir string) *Service {
	for i := range r.Services {
		if r.Services[i].Dir == dir {
			return &r.Services[i]
		}
	}
	return nil
}

// ImageUnit returns, for a unit in an unsupported language whose own
// Dockerfile builds an image that runs as a fixed non-root uid and
// exposes a port, a Service a deployment can run without knowing the
// language: its name, directory, port and image. nil otherwise.
func (r *Repo) ImageUnit(dir string) *Service {
	for _, u := range r.Unsupported {
		if u.Dir != dir || !u.Image.NonRoot() || u.Image.Port == 0 {
			continue
		}
		name := path.Base(u.Dir)
		if u.Dir == "." || u.Dir == "" {
			name = "app"
		}
		return &Service{
			Name: name, Dir: u.Dir, Language: Language(u.Language), Manifest: u.Manifest,
			Port: u.Image.Port, PortSource: u.Image.Dockerfile + " (EXPOSE)",
			Kind: KindService, KindReason: "its Dockerfile builds an image that exposes a port",
			Context: u.Dir, Image: u.Image,
		}
	}
	return nil
}
