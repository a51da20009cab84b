package container

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// goDockerfile fills the Go template: build one main package statically,
// run it on distroless as nonroot.
func goDockerfile(ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData) ([]string, error) {
	var notes []string
	mains := append([]string(nil), s.Mains...)
	sort.Strings(mains)
	if len(mains) == 0 {
		if !kit.Exists(ws, kit.JoinPath(s.Dir, "main.go")) {
			return nil, fmt.Errorf("no Go main package found in %s: add a main package (./cmd/<name>) or say in the issue which package to build", kit.DirLabel(s.Dir))
		}
		mains = []string{"."}
	}
	main := mains[0]
	for _, m := range mains {
		if path.Base(m) == s.Name {
			main = m
			break
		}
	}
	if len(mains) > 1 {
		notes = append(notes, fmt.Sprintf("%s has %d main packages (%s); the image builds %s — add a Dockerfile per binary if you need the others",
			kit.DirLabel(s.Dir), len(mains), strings.Join(mains, ", "), main))
	}
	if !strings.HasPrefix(main, ".") {
		main = "./" + main
	}
	d.Main = main
	d.Binary = binaryName(path.Base(main), s.Name)
	d.Copy = "go.mod"
	if kit.Exists(ws, kit.JoinPath(s.Dir, "go.sum")) {
		d.Copy = "go.mod go.sum"
	}
	if ContextDiffers(*s) {
		mods, err := goContextModules(ws, repo, *s)
		if err != nil {
			return nil, err
		}
		d.Modules = mods
		d.Workdir = CtxRel(BuildContext(*s), s.Dir)
		var dirs []string
		for _, m := range mods[1:] {
			dirs = append(dirs, kit.JoinPath(BuildContext(*s), m.Dir))
		}
		if len(dirs) > 0 {
			notes = append(notes, fmt.Sprintf("%s replaces modules with %s, so the image builds from %s (%s) and copies only those modules",
				kit.DirLabel(s.Dir), strings.Join(dirs, ", "), kit.DirLabel(BuildContext(*s)), contextLine(*s)))
		} else {
			notes = append(notes, fmt.Sprintf("the image builds from %s (%s) and copies only %s", kit.DirLabel(BuildContext(*s)), contextLine(*s), kit.DirLabel(s.Dir)))
		}
	}
	d.Cmd = JsonArgs("/usr/local/bin/" + d.Binary)
	if kit.HasFramework(s, "cgo") {
		d.Cgo = true
		notes = append(notes, fmt.Sprintf("a direct dependency of %s only builds with cgo (go-sqlite3 and the like), so the build runs with CGO_ENABLED=1 (the golang bookworm image has gcc) and the runtime is %s, which carries glibc", kit.DirLabel(s.Dir), d.Runtime))
	}
	notes = append(notes, "no HEALTHCHECK: the distroless runtime has no shell or HTTP client; let the orchestrator probe the port")
	return notes, nil
}

// nodeDockerfile fills the Node template: install with the lock file,
// build when a build script exists, prune dev dependencies, run as "node"
// (or "bun" on Bun's image). A workspace member builds from the workspace
// root with the root lockfile (nodeWorkspace).
func nodeDockerfile(ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData) ([]string, error) {
	var notes []string
	pm := s.PackageManager
	lock := s.Lockfile
	switch pm {
	case "npm", "yarn", "pnpm", "bun":
	case "", "node":
		pm = "npm"
	default:
		notes = append(notes, fmt.Sprintf("the built-in specialist does not know %s, so the image installs with npm (no lock file)", pm))
		pm, lock = "npm", ""
	}
	d.PackageManager = pm
	d.User = "node"
	if pm == "bun" {
		d.User = "bun"
	}
	if ContextDiffers(*s) {
		more, err := nodeWorkspace(ws, repo, s, d, pm)
		if err != nil {
			return nil, err
		}
		notes = append(notes, more...)
	} else {
		notes = append(notes, nodeSingle(ws, s, d, pm, lock)...)
	}
	cmd, note, err := nodeCmd(ws, s, pm)
	if err != nil {
		return nil, err
	}
	if note != "" {
		notes = append(notes, note)
	}
	d.Cmd = cmd
	probe := fmt.Sprintf("require('net').connect(%d, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))", d.Port)
	if pm == "bun" {
		d.Healthcheck = JsonArgs("bun", "-e", probe)
	} else {
		d.Healthcheck = JsonArgs("node", "-e", probe)
	}
	return notes, nil
}

// nodeLocks are the lock files of each Node package manager.
var nodeLocks = map[string][]string{
	"npm": {"package-lock.json", "npm-shrinkwrap.json"}, "yarn": {"yarn.lock"},
	"pnpm": {"pnpm-lock.yaml"}, "bun": {"bun.lock", "bun.lockb"},
}

// nodeSingle fills the install of a package built from its own directory.
func nodeSingle(ws fs.FS, s *stack.Service, d *dockerfileData, pm, lock string) []string {
	var notes []string
	if lock == "" {
		for _, l := range nodeLocks[pm] {
			if kit.Exists(ws, kit.JoinPath(s.Dir, l)) {
				lock = l
				break
			}
		}
	}
	d.Lockfile = lock != ""
	manifests := []string{"package.json"}
	if lock != "" {
		manifests = append(manifests, lock)
	} else {
		notes = append(notes, fmt.Sprintf("no %s lock file in %s, so installs are not reproducible: commit one", pm, kit.DirLabel(s.Dir)))
	}
	switch pm {
	case "pnpm":
		d.Setup = []string{"corepack enable"}
		d.Install, d.Prune = "pnpm install --frozen-lockfile", "pnpm prune --prod"
		if lock == "" {
			d.Install = "pnpm install"
		}
	case "yarn":
		d.Setup = []string{"corepack enable"}
		if kit.Exists(ws, kit.JoinPath(s.Dir, ".yarnrc.yml")) {
			manifests = append(manifests, ".yarnrc.yml")
			d.Install = "yarn install --immutable"
			if kit.Exists(ws, kit.JoinPath(s.Dir, ".yarn/releases")) {
				d.Dirs = append(d.Dirs, ".yarn/releases") // where yarnPath points
			}
		} else {
			d.Install = "yarn install --frozen-lockfile"
		}
		if lock == "" {
			d.Install = "yarn install"
		}
		notes = append(notes, "dev dependencies stay in the yarn image (yarn has no portable prune); trim them with a production install if size matters")
	case "bun":
		d.Install = "bun install --frozen-lockfile"
		if lock == "" {
			d.Install = "bun install"
		}
		notes = append(notes, "built and run on Bun's image (bun.lock), as the non-root user bun; dev dependencies stay in the image (bun has no prune)")
	default:
		d.Install, d.Prune = "npm ci", "npm prune --omit=dev"
		if lock == "" {
			d.Install = "npm install"
		}
	}
	d.Copy = strings.Join(manifests, " ")
	d.Build = s.Build
	return notes
}

// nodeWorkspace fills the install of a workspace member built from the
// workspace root: the root manifest, lockfile and workspace settings and
// every member's package.json are copied before the install, which is
// filtered to the unit where the package manager can (pnpm --filter, npm
// --workspace); the build runs for the unit and the image starts in its
// directory.
func nodeWorkspace(ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData, pm string) ([]string, error) {
	ctx := BuildContext(*s)
	w := workspaceOf(repo, *s, "npm", "pnpm", "yarn", "bun")
	if w == nil {
		return nil, unsupportedContext(*s, "no npm, pnpm, yarn or bun workspace rooted there lists it")
	}
	if w.Lockfile == "" {
		return nil, unsupportedContext(*s, "the workspace has no lockfile to install from: commit one")
	}
	lock := CtxRel(ctx, w.Lockfile)
	if !kit.SafePath(lock) || strings.Contains(lock, "/") {
		return nil, unsupportedContext(*s, fmt.Sprintf("its lockfile %s is not at the workspace root", w.Lockfile))
	}
	d.Lockfile = true
	manifests := []string{"package.json", lock}
	for _, f := range []string{"pnpm-workspace.yaml", ".npmrc", ".yarnrc.yml", "bunfig.toml"} {
		if kit.Exists(ws, kit.JoinPath(ctx, f)) {
			manifests = append(manifests, f)
		}
	}
	members, err := contextMembers(ws, s, ctx, w, "package.json")
	if err != nil {
		return nil, err
	}
	d.Members = members
	d.Copy = strings.Join(manifests, " ")
	name := s.Module
	if name != "" && !kit.SafePath(name) {
		name = ""
	}
	d.Filter = name
	notes := []string{fmt.Sprintf("%s is a member of the %s workspace at %s, so the image builds from there (%s) with the workspace lockfile %s",
		kit.DirLabel(s.Dir), pm, kit.DirLabel(ctx), contextLine(*s), w.Lockfile)}
	d.BuildDir = d.Workdir
	switch pm {
	case "pnpm":
		d.Setup = []string{"corepack enable"}
		d.Install = "pnpm install --frozen-lockfile"
		if name != "" {
			d.Install += " --filter " + name + "..."
			if s.Build != "" {
				d.Build, d.BuildDir = "pnpm --filter "+name+"... run build", ""
			}
		}
	case "yarn":
		d.Setup = []string{"corepack enable"}
		d.Install = "yarn install --frozen-lockfile"
		if kit.Exists(ws, kit.JoinPath(ctx, ".yarnrc.yml")) {
			d.Install = "yarn install --immutable"
			if kit.Exists(ws, kit.JoinPath(ctx, ".yarn/releases")) {
				d.Dirs = append(d.Dirs, ".yarn/releases")
			}
		}
	case "bun":
		d.Install = "bun install --frozen-lockfile"
	default:
		d.Install = "npm ci"
		if name != "" {
			d.Install += " --workspace " + name
		}
	}
	if d.Build == "" {
		d.Build = s.Build
	}
	notes = append(notes, "dev dependencies stay in the image: pruning one member of a workspace is not portable across package managers")
	return notes, nil
}

// nodeCmd decides how the Node image starts: the start script or start
// command when it runs the runtime directly, else through the package
// manager's start, else the entry file.
func nodeCmd(ws fs.FS, s *stack.Service, pm string) (cmd, note string, err error) {
	runtime, start := "node", []string{"npm", "start"}
	if pm == "bun" {
		runtime, start = "bun", []string{"bun", "run", "start"}
	}
	script := startScript(ws, s.Dir)
	for _, c := range []string{script, s.Start} {
		if args, ok := splitSimple(c); ok && len(args) > 1 && (args[0] == runtime || args[0] == "node") {
			return JsonArgs(args...), "", nil
		}
	}
	if script != "" {
		return JsonArgs(start...), "the start script (" + script + ") runs through " + strings.Join(start, " "), nil
	}
	if s.Entry != "" {
		return JsonArgs(runtime, s.Entry), "", nil
	}
	if s.Start != "" {
		return JsonArgs(start...), "the start command (" + s.Start + ") runs through " + strings.Join(start, " "), nil
	}
	for _, f := range []string{"server.js", "index.js", "app.js", "main.js"} {
		if kit.Exists(ws, kit.JoinPath(s.Dir, f)) {
			return JsonArgs(runtime, f), "no start script or main in package.json, so it runs " + f, nil
		}
	}
	return "", "", fmt.Errorf("cannot tell how to start the Node service in %s: add a \"start\" script or \"main\" to package.json", kit.DirLabel(s.Dir))
}

// startScript returns package.json's scripts.start in dir, or "".
func startScript(ws fs.FS, dir string) string {
	data, err := kit.ReadOptional(ws, kit.JoinPath(dir, "package.json"))
	if err != nil || data == nil {
		return ""
	}
	var pkg struct {
		Scripts map[string]any `json:"scripts"`
	}
	if json.Unmarshal(data, &pkg) != nil {
		return ""
	}
	start, _ := pkg.Scripts["start"].(string)
	return strings.TrimSpace(start)
}

// pythonDockerfile fills the Python template: a virtualenv built with
// pip, poetry or uv, copied into a slim runtime that runs as uid 10001.
func pythonDockerfile(tbl *kit.ImageTable, ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData) ([]string, error) {
	if ContextDiffers(*s) {
		return uvWorkspaceDockerfile(tbl, ws, repo, s, d)
	}
	var notes []string
	pm := s.PackageManager
	has := func(f string) bool { return kit.Exists(ws, kit.JoinPath(s.Dir, f)) }
	switch pm {
	case "poetry", "uv":
	case "pipenv":
		if !has("requirements.txt") {
			return nil, fmt.Errorf("%s uses pipenv, which the built-in container specialist does not run: commit a requirements.txt (pipenv requirements > requirements.txt) and ask again", kit.DirLabel(s.Dir))
		}
		notes = append(notes, "pipenv is not run in the image; it installs requirements.txt with pip")
		pm = "pip"
	default:
		pm = "pip"
	}
	d.PackageManager = pm
	switch pm {
	case "poetry":
		d.Poetry = tbl.Tools["poetry"]
		if d.Poetry == "" {
			return nil, fmt.Errorf("images.yaml has no pinned poetry version under tools: add one")
		}
		d.Copy = "pyproject.toml"
		d.Install = "poetry install --only main --no-root"
		if has("poetry.lock") {
			d.Copy += " poetry.lock"
		} else {
			notes = append(notes, "no poetry.lock, so installs are not reproducible: commit one")
		}
	case "uv":
		d.UV = tbl.Tools["uv"]
		if d.UV == "" {
			return nil, fmt.Errorf("images.yaml has no pinned uv version under tools: add one")
		}
		d.Copy = "pyproject.toml"
		d.Install = "uv sync --no-dev --no-install-project"
		if has("uv.lock") {
			d.Copy += " uv.lock"
			d.Install = "uv sync --frozen --no-dev --no-install-project"
		} else {
			notes = append(notes, "no uv.lock, so installs are not reproducible: commit one")
		}
	default:
		switch {
		case has("requirements.txt"):
			d.Copy = "requirements.txt"
			d.Install = "pip install --no-cache-dir -r requirements.txt"
		case has("pyproject.toml") || has("setup.py"):
			d.Build = "pip install --no-cache-dir ."
		default:
			notes = append(notes, "no requirements.txt or pyproject.toml, so no dependencies are installed")
		}
	}
	if why := pythonNeedsProject(ws, s); why != "" {
		switch {
		case pm == "poetry":
			d.Build = "poetry install --only main"
		case pm == "uv" && strings.Contains(d.Install, "--frozen"):
			d.Build = "uv sync --frozen --no-dev"
		case pm == "uv":
			d.Build = "uv sync --no-dev"
		case d.Build == "" && (has("pyproject.toml") || has("setup.py")):
			d.Build = "pip install --no-cache-dir --no-deps ."
		}
		if d.Build != "" {
			notes = append(notes, why)
		}
	}
	return pythonRun(ws, s, d, notes)
}

// pythonCmd decides how the Python image starts.
func pythonCmd(ws fs.FS, s *stack.Service, port int) (cmd, note string, err error) {
	if args, ok := splitSimple(s.Start); ok && len(args) > 0 {
		return JsonArgs(args...), "", nil
	}
	if s.Start != "" {
		return JsonArgs("sh", "-c", s.Start), "the start command uses shell syntax, so it runs through sh -c", nil
	}
	entry := s.Entry
	if entry == "" {
		for _, f := range []string{"main.py", "app.py", "manage.py", "server.py"} {
			if kit.Exists(ws, kit.JoinPath(s.Dir, f)) {
				entry = f
				break
			}
		}
	}
	switch {
	case entry == "manage.py":
		return JsonArgs("python", "manage.py", "runserver", fmt.Sprintf("0.0.0.0:%d", port)),
			"Django's runserver is for development: switch CMD to gunicorn or uvicorn for production", nil
	case strings.HasSuffix(entry, ".py"):
		return JsonArgs("python", entry), "", nil
	case entry != "":
		return JsonArgs("python", "-m", entry), "", nil
	}
	return "", "", fmt.Errorf("cannot tell how to start the Python service in %s: add a main.py or a [project.scripts] entry, or state the start command", kit.DirLabel(s.Dir))
}

// rustDockerfile fills the Rust template: cargo build --release, run the
// binary on distroless cc as nonroot.
func rustDockerfile(ws fs.FS, repo *stack.Repo, s *stack.Service, d *dockerfileData) ([]string, error) {
	var notes []string
	d.Binary = binaryName(s.Module, s.Name)
	if s.Entry != "" && binaryName(s.Entry) == s.Entry {
		d.Binary = s.Entry // the bin target detection chose
	}
	d.Lockfile = kit.Exists(ws, kit.JoinPath(s.Dir, "Cargo.lock"))
	if ContextDiffers(*s) {
		// A workspace member: Cargo.lock and the path dependencies are at
		// the workspace root, where cargo builds the one crate.
		if workspaceOf(repo, *s, "cargo") == nil {
			return nil, unsupportedContext(*s, "no Cargo workspace rooted there lists it (a crate whose path dependencies lie outside its directory is not supported)")
		}
		if s.Module == "" || !kit.SafePath(s.Module) {
			return nil, unsupportedContext(*s, "its crate name is unknown, so cargo build -p cannot name it")
		}
		d.Filter = s.Module
		d.Lockfile = s.WorkspaceLock != "" && kit.Exists(ws, s.WorkspaceLock)
		notes = append(notes, fmt.Sprintf("%s is a member of the Cargo workspace at %s, so the image builds from there (%s) with cargo build -p %s",
			kit.DirLabel(s.Dir), kit.DirLabel(BuildContext(*s)), contextLine(*s), s.Module))
	}
	d.Cmd = JsonArgs("/usr/local/bin/" + d.Binary)
	notes = append(notes, "no HEALTHCHECK: the distroless runtime has no shell or HTTP client; let the orchestrator probe the port")
	if !d.Lockfile {
		notes = append(notes, "no Cargo.lock, so builds are not reproducible: commit one")
	}
	return notes, nil
}

// javaBuildVariant picks the build image: the JDK image when a wrapper is
// committed, else the Maven or Gradle image.
func javaBuildVariant(ws fs.FS, s *stack.Service) string {
	if javaWrapper(ws, s) != "" {
		return ""
	}
	if s.PackageManager == "gradle" {
		return "gradle"
	}
	return "maven"
}

// javaWrapper returns ./mvnw or ./gradlew when the service commits it.
func javaWrapper(ws fs.FS, s *stack.Service) string {
	w := "mvnw"
	if s.PackageManager == "gradle" {
		w = "gradlew"
	}
	if kit.Exists(ws, kit.JoinPath(s.Dir, w)) {
		return "./" + w
	}
	return ""
}

// javaDockerfile fills the Java template: package a jar with the JDK,
// run it on the JRE as uid 10001.
func javaDockerfile(ws fs.FS, s *stack.Service, d *dockerfileData) ([]string, error) {
	tool := javaWrapper(ws, s)
	boot := false
	for _, f := range s.Frameworks {
		if f == "spring-boot" {
			boot = true
		}
	}
	switch {
	case s.PackageManager == "gradle":
		if tool == "" {
			tool = "gradle"
		}
		task := "build -x test"
		if boot {
			task = "bootJar"
		}
		d.Build = tool + " --no-daemon " + task
		d.JarDir = "build/libs"
	default:
		if tool == "" {
			tool = "mvn"
		}
		d.Build = tool + " -B -DskipTests package"
		d.JarDir = "target"
	}
	if strings.HasPrefix(tool, "./") {
		d.Build = "chmod +x " + tool + " && " + d.Build
	}
	d.Cmd = JsonArgs("java", "-jar", "/app/app.jar")
	notes := []string{"no HEALTHCHECK: the JRE image has no HTTP client; add one with your health endpoint (e.g. Spring Boot Actuator) if you need it"}
	if !boot {
		notes = append(notes, "the jar must be runnable (Main-Class in its manifest) for java -jar to start it")
	}
	return notes, nil
}

// ignoreData feeds the .dockerignore template.
type ignoreData struct {
	// Langs are the languages whose build output and dependencies are
	// left out: one for a unit's own directory, every language of the
	// units that share a workspace root.
	Langs  map[string]bool
	Build  bool
	Gradle bool
	// Nested is set for a build context above the unit: the patterns then
	// apply at every depth (**/node_modules); Context names it.
	Nested  bool
	Context string
}

func dockerignoreData(_ fs.FS, s *stack.Service) ignoreData {
	return ignoreData{Langs: map[string]bool{string(s.Language): true}, Build: s.Build != "", Gradle: s.PackageManager == "gradle",
		Nested: ContextDiffers(*s), Context: kit.DirLabel(BuildContext(*s))}
}

// sharedIgnores merges the .dockerignore data of the services that build
// from the same context above their directories, by the context's
// .dockerignore path, so the one file written there serves all of them.
func sharedIgnores(ws fs.FS, services []stack.Service) map[string]ignoreData {
	out := map[string]ignoreData{}
	for i := range services {
		s := &services[i]
		if !ContextDiffers(*s) {
			continue
		}
		p := kit.JoinPath(BuildContext(*s), ".dockerignore")
		d := dockerignoreData(ws, s)
		if prev, ok := out[p]; ok {
			for l := range prev.Langs {
				d.Langs[l] = true
			}
			d.Build = d.Build || prev.Build
			d.Gradle = d.Gradle || prev.Gradle
		}
		out[p] = d
	}
	return out
}

// binaryName picks a safe file name for a binary.
func binaryName(names ...string) string {
	for _, n := range names {
		var b strings.Builder
		for _, r := range n {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
				b.WriteRune(r)
			}
		}
		if out := b.String(); out != "" && out != "." {
			return out
		}
	}
	return "app"
}

// JsonArgs renders an exec-form argument list (["a", "b"]).
func JsonArgs(args ...string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(a) // a string always encodes
		quoted[i] = strings.TrimSpace(b.String())
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// splitSimple splits a command into words when it uses no shell syntax.
func splitSimple(cmd string) ([]string, bool) {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" || strings.ContainsAny(cmd, "$&|;<>()'\"`*?~\\{}") {
		return nil, false
	}
	f := strings.Fields(cmd)
	if strings.Contains(f[0], "=") {
		return nil, false
	}
	return f, true
}

// pythonRun sets how a Python image starts and checks its health (a TCP
// connect to the port, as the slim image has no HTTP client), adding the
// start command's note to notes.
func pythonRun(ws fs.FS, s *stack.Service, d *dockerfileData, notes []string) ([]string, error) {
	cmd, note, err := pythonCmd(ws, s, d.Port)
	if err != nil {
		return nil, err
	}
	if note != "" {
		notes = append(notes, note)
	}
	d.Cmd = cmd
	d.Healthcheck = JsonArgs("python", "-c", fmt.Sprintf("import socket; socket.create_connection(('127.0.0.1', %d), 3).close()", d.Port))
	return notes, nil
}
