package stack

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// monorepo is a repository with services, shared artifacts and trees
// that must be skipped.
func monorepo() map[string]string {
	return map[string]string{
		"package.json":                            `{"private":true,"workspaces":["apps/*"]}`,
		"pnpm-lock.yaml":                          "lockfileVersion: '9.0'\n",
		".nvmrc":                                  "lts/iron\n",
		"docker-compose.yml":                      "services: {}\n",
		".github/workflows/ci.yml":                "on: push\n",
		".github/workflows/rel.yaml":              "on: push\n",
		".github/dependabot.yml":                  "version: 2\n",
		"apps/web/package.json":                   `{"name":"web","scripts":{"build":"next build","start":"next start -p 3100"},"dependencies":{"next":"14"}}`,
		"apps/web/Dockerfile":                     "FROM node:20\nEXPOSE 3000\n",
		"services/api/go.mod":                     "module example.com/api\n\ngo 1.22.3\n",
		"services/api/main.go":                    "package main\n",
		"services/api/.dockerignore":              "*\n",
		"services/api/compose.override.yaml":      "services: {}\n",
		"infra/main.tf":                           "terraform {}\n",
		"infra/modules/net/net.tf":                "variable \"x\" {}\n",
		"deploy/k8s/api.yaml":                     "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
		"deploy/k8s/notes.yaml":                   "just: data\n",
		"deploy/kustomization.yaml":               "resources: [k8s/api.yaml]\n",
		"charts/api/Chart.yaml":                   "apiVersion: v2\nname: api\n",
		"charts/api/templates/deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\n{{ .Values.x }}\n",
		"monitoring/alerts.yml":                   "groups:\n  - name: api\n    rules:\n      - alert: Down\n        expr: up == 0\n",
		"workers/edge/wrangler.toml":              "name = \"edge\"\n",
		"node_modules/express/package.json":       `{"name":"express"}`,
		"apps/web/node_modules/next/package.json": `{"name":"next"}`,
		"vendor/github.com/x/go.mod":              "module github.com/x\n",
		".venv/lib/pyproject.toml":                "[project]\nname='x'\n",
		"target/Cargo.toml":                       "[package]\nname='x'\n",
		"build/pom.xml":                           "<project/>",
		"dist/package.json":                       `{"name":"dist"}`,
		".hidden/go.mod":                          "module hidden\n",
		"internal/testdata/go.mod":                "module fixture\n",
		"config.yaml":                             "apiVersion: v1\nkind: ConfigMap\n",
	}
}

func TestMonorepo(t *testing.T) {
	repo := mustDetect(t, monorepo(), Options{})
	var dirs []string
	for _, s := range repo.Services {
		dirs = append(dirs, s.Dir)
	}
	if want := []string{"apps/web", "services/api"}; !reflect.DeepEqual(dirs, want) {
		t.Fatalf("service dirs = %q, want %q (skipped trees must not count)\n%s", dirs, want, dump(repo))
	}
	web := repo.Service("apps/web")
	if web.PackageManager != "pnpm" || web.Lockfile != "" || web.WorkspaceLock != "pnpm-lock.yaml" {
		t.Errorf("web inherits the workspace lock: got %q %q", web.PackageManager, web.Lockfile)
	}
	if web.Version != "20" || web.VersionSource != "../../.nvmrc" {
		t.Errorf("web version from root .nvmrc: got %q from %q", web.Version, web.VersionSource)
	}
	if web.Port != 3100 || web.PortSource != "package.json" {
		t.Errorf("web port: got %d from %q", web.Port, web.PortSource)
	}
	if web.Build != "pnpm run build" || web.Start != "pnpm run start" {
		t.Errorf("web commands: %q %q", web.Build, web.Start)
	}
	api := repo.Service("services/api")
	if api.Version != "1.22" || !reflect.DeepEqual(api.Mains, []string{"."}) || api.Name != "api" {
		t.Errorf("api: %s", dump(api))
	}
	want := Artifacts{
		Dockerfiles:    []string{"apps/web/Dockerfile"},
		Dockerignores:  []string{"services/api/.dockerignore"},
		ComposeFiles:   []string{"docker-compose.yml", "services/api/compose.override.yaml"},
		Workflows:      []string{".github/workflows/ci.yml", ".github/workflows/rel.yaml"},
		TerraformRoots: []string{"infra", "infra/modules/net"},
		Kubernetes:     []string{"config.yaml", "deploy/k8s/api.yaml", "deploy/kustomization.yaml"},
		HelmCharts:     []string{"charts/api"},
		Prometheus:     []string{"monitoring/alerts.yml"},
		Wrangler:       []string{"workers/edge/wrangler.toml"},
	}
	if !reflect.DeepEqual(repo.Artifacts, want) {
		t.Errorf("artifacts:\n got %s\nwant %s", dump(repo.Artifacts), dump(want))
	}
	if len(repo.Warnings) != 0 {
		t.Errorf("warnings: %q", repo.Warnings)
	}
	if repo.FilesSeen == 0 || repo.BytesRead == 0 || repo.Truncated {
		t.Errorf("counters: seen %d read %d truncated %v", repo.FilesSeen, repo.BytesRead, repo.Truncated)
	}
	// The skipped trees are not walked at all: the file count shows it.
	for p := range monorepo() {
		if strings.Contains(p, "node_modules/express") && repo.FilesSeen > 60 {
			t.Errorf("files seen %d: skipped directories were walked", repo.FilesSeen)
		}
	}
}

func TestDeterministic(t *testing.T) {
	first := dump(mustDetect(t, monorepo(), Options{}))
	for i := 0; i < 5; i++ {
		if got := dump(mustDetect(t, monorepo(), Options{})); got != first {
			t.Fatalf("run %d differs:\n%s\nvs\n%s", i, got, first)
		}
	}
}

func TestFocus(t *testing.T) {
	repo := mustDetect(t, monorepo(), Options{Dir: "services/api"})
	if len(repo.Services) != 1 || repo.Services[0].Dir != "services/api" {
		t.Fatalf("focus services: %s", dump(repo.Services))
	}
	a := repo.Artifacts
	if !reflect.DeepEqual(a.Workflows, []string{".github/workflows/ci.yml", ".github/workflows/rel.yaml"}) {
		t.Errorf("root workflows still listed under focus: %q", a.Workflows)
	}
	if !reflect.DeepEqual(a.ComposeFiles, []string{"docker-compose.yml", "services/api/compose.override.yaml"}) {
		t.Errorf("root compose still listed under focus: %q", a.ComposeFiles)
	}
	if len(a.Dockerfiles) != 0 || len(a.HelmCharts) != 0 || len(a.TerraformRoots) != 0 {
		t.Errorf("artifacts of sibling trees leaked into the focus: %s", dump(a))
	}
}

func TestFocusInsideAService(t *testing.T) {
	files := map[string]string{
		"go.mod":              "module example.com/mono\n\ngo 1.23\n",
		"cmd/api/main.go":     "package main\n",
		"internal/api/api.go": "package api\n",
	}
	repo := mustDetect(t, files, Options{Dir: "internal/api"})
	if len(repo.Services) != 1 || repo.Services[0].Dir != "." || repo.Services[0].Version != "1.23" {
		t.Fatalf("want the enclosing root module, got %s", dump(repo.Services))
	}
}

func TestBadFocus(t *testing.T) {
	for _, dir := range []string{"../elsewhere", "/etc", "missing/dir", "go.mod"} {
		_, err := Detect(tree(map[string]string{"go.mod": "module x\n"}), Options{Dir: dir})
		if err == nil {
			t.Errorf("Dir %q: want an error", dir)
			continue
		}
		if !strings.Contains(err.Error(), "focus") {
			t.Errorf("Dir %q: error should say what to fix: %v", dir, err)
		}
	}
	if _, err := Detect(nil, Options{}); err == nil {
		t.Error("nil fs: want an error")
	}
}

func TestFileCap(t *testing.T) {
	files := map[string]string{"go.mod": "module x\n\ngo 1.22\n"}
	for i := 0; i < 50; i++ {
		files["pkg/a/"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".go"] = "package a\n"
	}
	repo := mustDetect(t, files, Options{MaxFiles: 10})
	if !repo.Truncated || repo.FilesSeen != 10 {
		t.Fatalf("want truncated at 10 entries, got truncated=%v seen=%d", repo.Truncated, repo.FilesSeen)
	}
	if !hasWarning(repo, "file cap") {
		t.Errorf("want a truncation warning, got %q", repo.Warnings)
	}
	// Breadth first: the root manifest is still found.
	if repo.Service(".") == nil {
		t.Errorf("root service lost to the cap: %s", dump(repo))
	}
	full := mustDetect(t, files, Options{})
	if full.Truncated || full.FilesSeen != 53 {
		t.Errorf("uncapped: truncated=%v seen=%d, want false and 53", full.Truncated, full.FilesSeen)
	}
}

func TestByteCaps(t *testing.T) {
	files := map[string]string{
		"a/package.json": `{"name":"a","scripts":{"start":"node a.js"}}`,
		"b/package.json": `{"name":"b","description":"` + strings.Repeat("x", 600) + `"}`,
		"c/go.mod":       "module c\n// " + strings.Repeat("y", MaxFileBytes) + "\n",
	}
	repo := mustDetect(t, files, Options{MaxBytes: 300})
	if repo.BytesRead > 300 {
		t.Errorf("read %d bytes over a 300 byte cap", repo.BytesRead)
	}
	if !hasWarning(repo, "byte cap", "b/package.json") {
		t.Errorf("want a byte cap warning naming b/package.json, got %q", repo.Warnings)
	}
	if !hasWarning(repo, "c/go.mod", "over the") {
		t.Errorf("want a per-file cap warning naming c/go.mod, got %q", repo.Warnings)
	}
	if a := repo.Service("a"); a == nil || a.Start != "npm start" {
		t.Errorf("a was within the budget and must be read: %s", dump(repo.Services))
	}
	if len(repo.Services) != 3 {
		t.Errorf("manifests not read still make services: %s", dump(repo.Services))
	}
}

func TestInheritance(t *testing.T) {
	files := map[string]string{
		"pom.xml": `<project><artifactId>parent</artifactId><packaging>pom</packaging>
<properties><maven.compiler.release>21</maven.compiler.release></properties>
<modules><module>orders</module></modules></project>`,
		"mvnw":                   "",
		"orders/pom.xml":         `<project><artifactId>orders</artifactId></project>`,
		"Cargo.toml":             "[workspace]\nmembers=[\"crates/*\"]\n[workspace.package]\nrust-version = \"1.80\"\nedition = \"2021\"\n",
		"crates/core/Cargo.toml": "[package]\nname = \"core\"\nedition.workspace = true\nrust-version.workspace = true\n",
		"Cargo.lock":             "",
		"py/svc/pyproject.toml":  "[project]\nname = \"svc\"\n",
		".python-version":        "3.13\n",
		"uv.lock":                "",
	}
	repo := mustDetect(t, files, Options{})
	if len(repo.Services) != 3 {
		t.Fatalf("want core, orders and svc: %s", dump(repo.Services))
	}
	core := repo.Service("crates/core")
	if core.Version != "1.80" || core.VersionSource != "../../Cargo.toml" || core.Edition != "2021" || core.Lockfile != "" || core.WorkspaceLock != "Cargo.lock" {
		t.Errorf("core inherits from the workspace: %s", dump(core))
	}
	orders := repo.Service("orders")
	if orders.Version != "21" || orders.VersionSource != "../pom.xml" || orders.Build != "../mvnw -B -DskipTests package" {
		t.Errorf("orders inherits from the parent pom: %s", dump(orders))
	}
	svc := repo.Service("py/svc")
	if svc.Version != "3.13" || svc.PackageManager != "uv" || svc.Lockfile != "" || svc.WorkspaceLock != "uv.lock" {
		t.Errorf("svc inherits .python-version and uv.lock: %s", dump(svc))
	}
}

func TestPriorityOfLanguages(t *testing.T) {
	files := map[string]string{
		"go.mod":               "module x\n",
		"package.json":         `{"devDependencies":{"prettier":"3"}}`,
		"web/manage.py":        "",
		"web/package.json":     `{"name":"assets","scripts":{"build":"webpack"}}`,
		"web/requirements.txt": "django\n",
	}
	repo := mustDetect(t, files, Options{})
	if len(repo.Services) != 2 || repo.Services[0].Language != Go || repo.Services[1].Language != Python {
		t.Fatalf("want go at the root and python in web: %s", dump(repo.Services))
	}
}

func TestWarningsAreBounded(t *testing.T) {
	files := map[string]string{}
	for i := 0; i < 70; i++ {
		files[strings.Repeat("d", i+1)+"/package.json"] = "{not json"
	}
	repo := mustDetect(t, files, Options{})
	if len(repo.Warnings) != maxWarnings+1 || !strings.Contains(repo.Warnings[maxWarnings], "20 more") {
		t.Errorf("want %d warnings and a summary of 20 more, got %d: last %q", maxWarnings, len(repo.Warnings), repo.Warnings[len(repo.Warnings)-1])
	}
	if len(repo.Services) != 70 {
		t.Errorf("malformed manifests still make services: got %d", len(repo.Services))
	}
}

func TestMultiProjectBuilds(t *testing.T) {
	files := map[string]string{
		"settings.gradle":              "rootProject.name = 'shop'\ninclude 'api', 'worker'\n",
		"build.gradle":                 "subprojects { java { toolchain { languageVersion = JavaLanguageVersion.of(17) } } }\n",
		"gradlew":                      "",
		"api/build.gradle":             "plugins { id 'org.springframework.boot' version '3.3.0' }\n",
		"api/src/main/java/A.java":     "class A {}\n",
		"worker/build.gradle.kts":      "plugins { application }\n",
		"py/tool/pyproject.toml":       "[project]\nname = \"tool\"\n",
		"py/tool/src/tool/__main__.py": "print('hi')\n",
	}
	repo := mustDetect(t, files, Options{})
	var got []string
	for _, s := range repo.Services {
		got = append(got, s.Dir+":"+s.Version+":"+s.Build+":"+s.Entry)
	}
	want := []string{
		"api:17:../gradlew build:build/libs/api.jar",
		"py/tool:::tool",
		"worker:17:../gradlew build:build/libs/worker.jar",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("services:\n got %q\nwant %q", got, want)
	}
}

// failFS fails every call.
type failFS struct{}

func (failFS) Open(string) (fs.File, error) { return nil, fs.ErrPermission }

func TestUnreadableRoot(t *testing.T) {
	_, err := Detect(failFS{}, Options{})
	if err == nil || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "permissions") {
		t.Errorf("want a wrapped permission error saying what to check, got %v", err)
	}
}

func TestCommonPortSources(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		port   int
		source string
	}{
		{"env example", map[string]string{".env.example": "DATABASE_PORT=5432\nexport APP_PORT=\"7000\"\n"}, 7000, ".env.example"},
		{"config top level", map[string]string{"config.yaml": "name: x\nport: 8200\n"}, 8200, "config.yaml"},
		{"config server block", map[string]string{"config/default.yaml": "database:\n  port: 5432\nserver:\n  host: 0.0.0.0\n  port: 8300\n"}, 8300, "config/default.yaml"},
		{"config db only", map[string]string{"config.yml": "database:\n  port: 5432\n"}, 0, ""},
		{"dockerfile", map[string]string{"Dockerfile": "FROM x\nexpose 9100/tcp\n"}, 9100, "Dockerfile"},
		{"env beats dockerfile", map[string]string{".env.sample": "PORT=1234\n", "Dockerfile": "EXPOSE 80\n"}, 1234, ".env.sample"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["go.mod"] = "module x\n"
			s := mustDetect(t, tt.files, Options{}).Service(".")
			if s == nil || s.Port != tt.port || s.PortSource != tt.source {
				t.Errorf("got %s, want port %d from %q", dump(s), tt.port, tt.source)
			}
		})
	}
}

func TestOddFiles(t *testing.T) {
	fsys := tree(map[string]string{
		"a/package.json": "\xEF\xBB\xBF{\"name\":\"bom\",\"scripts\":{\"start\":\"node a.js\"}}",
	})
	fsys["b/go.mod"] = &fstest.MapFile{Data: []byte("module fifo\n"), Mode: fs.ModeNamedPipe}
	repo, err := Detect(fsys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a := repo.Service("a"); a == nil || a.Module != "bom" {
		t.Errorf("a UTF-8 BOM must not break package.json: %s", dump(repo))
	}
	if !hasWarning(repo, "b/go.mod", "not a regular file") {
		t.Errorf("want a warning for the named pipe, got %q", repo.Warnings)
	}
}
