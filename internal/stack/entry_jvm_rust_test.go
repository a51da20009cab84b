package stack

import (
	"reflect"
	"strings"
	"testing"
)

// TestJavaAndRustUnits covers Spring Boot on Maven and Gradle, a plain
// Java library, a Rust workspace with a web binary, a clap CLI with
// several binaries and a library crate.
func TestJavaAndRustUnits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []unitWant
	}{
		{
			name: "spring boot on maven",
			files: map[string]string{
				"pom.xml": `<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId><version>3.3.0</version></parent>
<artifactId>petclinic</artifactId><version>3.3.0-SNAPSHOT</version>
<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>`,
				"mvnw": "",
				"src/main/resources/application.properties": "server.port=9966\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "depends on spring-boot-starter-web",
				entry: "target/petclinic-3.3.0-SNAPSHOT.jar", entryWhy: "artifactId and version in pom.xml",
				start: "java -jar target/petclinic-3.3.0-SNAPSHOT.jar"}},
		},
		{
			name: "maven finalName",
			files: map[string]string{
				"pom.xml": `<project><parent><artifactId>spring-boot-starter-parent</artifactId></parent><artifactId>x</artifactId>
<properties><app.name>billing</app.name></properties><build><finalName>${app.name}</finalName></build></project>`,
			},
			want: []unitWant{{dir: ".", kind: KindCLI, kindReason: "no web starter or server.port",
				entry: "target/billing.jar", entryWhy: "finalName", start: "java -jar target/billing.jar"}},
		},
		{
			name: "spring boot on gradle: the boot jar, not -plain",
			files: map[string]string{
				"settings.gradle.kts":  "rootProject.name = \"reports\"\n",
				"build.gradle.kts":     "plugins { id(\"org.springframework.boot\") version \"3.3.0\" }\nversion = \"1.2.0\"\ndependencies { implementation(\"org.springframework.boot:spring-boot-starter-webflux\") }\n",
				"src/main/java/A.java": "",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "spring-boot-starter-webflux",
				entry: "build/libs/reports-1.2.0.jar", entryWhy: "the -plain jar beside it", start: "java -jar build/libs/reports-1.2.0.jar"}},
		},
		{
			name: "gradle without settings: the checkout directory names the jar",
			files: map[string]string{
				"build.gradle": "plugins { id 'org.springframework.boot' version '2.6.3' }\nversion = '0.0.1-SNAPSHOT'\ndependencies { implementation 'org.springframework.boot:spring-boot-starter-web' }\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "spring-boot-starter-web",
				entry: "", entryWhy: "the jar build/libs/*-0.0.1-SNAPSHOT.jar: gradle build makes build/libs/*-0.0.1-SNAPSHOT.jar (no rootProject.name in settings.gradle, so a wildcard for the checkout directory's name",
				start: "java -jar build/libs/*-0.0.1-SNAPSHOT.jar"}},
		},
		{
			name: "java library",
			files: map[string]string{
				"pom.xml": `<project><artifactId>utils</artifactId><version>1.0</version></project>`,
			},
			want: []unitWant{{dir: ".", kind: KindLibrary, kindReason: "no spring-boot",
				entry: "target/utils-1.0.jar", entryWhy: "not a Spring Boot jar"}},
		},
		{
			name: "rust workspace with a web binary and a library",
			files: map[string]string{
				"Cargo.toml":             "[workspace]\nmembers = [\"crates/*\"]\n",
				"Cargo.lock":             "",
				"crates/api/Cargo.toml":  "[package]\nname = \"api\"\n[dependencies]\naxum = \"0.7\"\ncore = { path = \"../core\" }\n",
				"crates/api/src/main.rs": "let l = TcpListener::bind(\"0.0.0.0:8088\").await?;\n",
				"crates/core/Cargo.toml": "[package]\nname = \"core\"\n",
				"crates/core/src/lib.rs": "",
			},
			want: []unitWant{
				{dir: "crates/api", kind: KindService, kindReason: "depends on axum", entry: "api", entryWhy: "the only binary (src/main.rs)", start: "cargo run --release"},
				{dir: "crates/core", kind: KindLibrary, kindReason: "no binary (src/lib.rs)"},
			},
		},
		{
			name: "rust binary listening on a tcp socket without a web framework",
			files: map[string]string{
				"Cargo.toml":  "[package]\nname = \"forum_server\"\n[dependencies]\ntokio = \"1\"\nclap = \"4\"\n",
				"src/main.rs": "let port: u16 = std::env::var(\"FORUM_PORT\")\n    .ok()\n    .and_then(|p| p.parse().ok())\n    .unwrap_or(8536);\nlet listener = TcpListener::bind(&addr).await?;\n",
			},
			want: []unitWant{{dir: ".", kind: KindService, kindReason: "TcpListener::bind call in src/main.rs",
				entry: "forum_server", entryWhy: "the only binary", start: "cargo run --release"}},
		},
		{
			name: "rust cli with several binaries",
			files: map[string]string{
				"Cargo.toml":          "[package]\nname = \"ripper\"\n[dependencies]\nclap = { version = \"4\", features = [\"derive\"] }\n[[bin]]\nname = \"rip-admin\"\npath = \"tools/admin.rs\"\n",
				"src/main.rs":         "fn main() {}\n",
				"src/bin/bench.rs":    "fn main() {}\n",
				"src/bin/gen/main.rs": "fn main() {}\n",
			},
			want: []unitWant{{dir: ".", kind: KindCLI, kindReason: "depends on clap",
				entry: "ripper", entryWhy: "the binary named like the package (src/main.rs); also: bench, gen, rip-admin",
				start: "cargo run --release --bin ripper"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			for _, w := range tt.want {
				checkUnit(t, repo, w)
			}
		})
	}
}

// TestUnsupported covers stacks the built-in brain cannot build: they are
// named, not made services; a Go helper deep in an OCaml repository is
// not its product.
func TestUnsupported(t *testing.T) {
	files := map[string]string{
		"dune-project":                 "(lang dune 3.0)\n",
		"irmin.opam":                   "opam-version: \"2.0\"\n",
		"src/dune":                     "(library (name irmin))\n",
		"bench/tools/trace/go.mod":     "module example.com/trace\n\ngo 1.21\n",
		"bench/tools/trace/main.go":    "package main\n\nfunc main() { http.ListenAndServe(\":6060\", nil) }\n",
		"examples/deep/server/go.mod":  "module x\n",
		"examples/deep/server/main.go": "package main\n\nfunc main() { http.ListenAndServe(\":1\", nil) }\n",
		"lib/net/probe/go.mod":         "module probe\n",
		"lib/net/probe/main.go":        "package main\n\nfunc main() { http.ListenAndServe(\":7\", nil) }\n",
		"php/composer.json":            "{}",
		"native/CMakeLists.txt":        "project(x)\n",
		"native/sub/CMakeLists.txt":    "add_library(y)\n",
		"r/DESCRIPTION":                "Package: stats2\nVersion: 1.0\n",
		"notr/DESCRIPTION":             "just prose\n",
		"dotnet/App.csproj":            "<Project/>",
		"deno/deno.json":               "{}",
		"denonode/deno.json":           "{}",
		"denonode/package.json":        `{"name":"dn","main":"index.js"}`,
		"hs/stack.yaml":                "resolver: lts-22.0\n",
		"notstack/stack.yaml":          "name: something else\n",
		"rails/Gemfile":                "gem 'rails'\n",
		"rails/package.json":           `{"name":"assets","private":true,"scripts":{"build":"esbuild"}}`,
		"wp/composer.json":             "{}",
		"wp/package.json":              `{"name":"blocks","scripts":{"build":"wp-scripts build","start":"wp-scripts start"},"devDependencies":{"@wordpress/scripts":"^30"}}`,
	}
	repo := mustDetect(t, files, Options{})
	want := []Unsupported{
		{Dir: ".", Language: "ocaml", Manifest: "dune-project"},
		{Dir: "deno", Language: "deno", Manifest: "deno.json"},
		{Dir: "dotnet", Language: "dotnet", Manifest: "App.csproj"},
		{Dir: "hs", Language: "haskell", Manifest: "stack.yaml"},
		{Dir: "native", Language: "cpp", Manifest: "CMakeLists.txt"},
		{Dir: "php", Language: "php", Manifest: "composer.json"},
		{Dir: "r", Language: "r", Manifest: "DESCRIPTION"},
		{Dir: "rails", Language: "ruby", Manifest: "Gemfile"},
		{Dir: "wp", Language: "php", Manifest: "composer.json"},
	}
	if !reflect.DeepEqual(repo.Unsupported, want) {
		t.Errorf("unsupported:\n got %s\nwant %s", dump(repo.Unsupported), dump(want))
	}
	if repo.Service("rails") != nil {
		t.Errorf("the Rails app's package.json is its assets, not a unit: %s", dump(repo.Service("rails")))
	}
	if repo.Service("wp") != nil {
		t.Errorf("a WordPress plugin's package.json with only a wp-scripts start script is its assets: %s", dump(repo.Service("wp")))
	}

	checkUnit(t, repo, unitWant{dir: "bench/tools/trace", kind: KindCLI,
		kindReason: "a go helper under bench/: the repository's root is OCaml (dune-project), so this is not its product; was: ListenAndServe",
		entry:      ".", entryWhy: "root package", start: "go run ."})
	checkUnit(t, repo, unitWant{dir: "lib/net/probe", kind: KindCLI, kindReason: "a go helper deep in the tree: the repository's root is OCaml",
		entry: ".", entryWhy: "root package", start: "go run ."})
	checkUnit(t, repo, unitWant{dir: "examples/deep/server", kind: KindExample, kindReason: "under examples/",
		entry: ".", entryWhy: "root package", start: "go run ."})
	checkUnit(t, repo, unitWant{dir: "denonode", kind: KindLibrary, kindReason: "package.json main",
		entry: "index.js", entryWhy: "package.json main"})
	for _, s := range repo.Services {
		if s.Kind == KindService {
			t.Errorf("no unit of an OCaml repository is a service here: %s", dump(s))
		}
	}

	// A Go module at the root of an OCaml repository, its programs in
	// go/cmd/ and a web framework in go.mod: helpers, not the product.
	repo = mustDetect(t, map[string]string{
		"dune-project":                   "(lang dune 3.0)\n",
		"go.mod":                         "module github.com/acme/vpn\n\ngo 1.22\n\nrequire github.com/labstack/echo/v4 v4.12.0\n",
		"go/cmd/vpn-forwarder/main.go":   "package main\n\nfunc main() {}\n",
		"go/cmd/vpn-expose-port/main.go": "package main\n\nfunc main() {}\n",
		"go/pkg/forward/forward.go":      "package forward\n",
	}, Options{})
	if s := repo.Service("."); s == nil || s.Kind != KindCLI || !strings.Contains(s.KindReason, "with its main packages under go/: the repository's root is OCaml") {
		t.Errorf("root Go module of an OCaml repository: %s", dump(repo.Services))
	}

	// A Node server beside a PHP app stays a service: express says so.
	repo = mustDetect(t, map[string]string{
		"composer.json": "{}",
		"package.json":  `{"name":"realtime","scripts":{"start":"node server.js"},"dependencies":{"express":"^4"}}`,
	}, Options{})
	checkUnit(t, repo, unitWant{dir: ".", kind: KindService, kindReason: "depends on express", entry: "server.js",
		entryWhy: "start script", start: "npm start"})

	// A root Gemfile (Danger, fastlane) does not make Go services helpers.
	repo = mustDetect(t, map[string]string{
		"Gemfile":                 "gem 'danger'\n",
		"services/go/api/go.mod":  "module api\n",
		"services/go/api/main.go": "package main\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
	}, Options{})
	checkUnit(t, repo, unitWant{dir: "services/go/api", kind: KindService, kindReason: "ListenAndServe in main.go",
		entry: ".", entryWhy: "root package", start: "go run ."})

	// A Go service at the root of a repository with a C library beside
	// it stays the product.
	repo = mustDetect(t, map[string]string{
		"go.mod":                       "module example.com/api\n\ngo 1.22\n",
		"main.go":                      "package main\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
		"third_party/x/CMakeLists.txt": "project(x)\n",
	}, Options{})
	checkUnit(t, repo, unitWant{dir: ".", kind: KindService, kindReason: "ListenAndServe in main.go", entry: ".", entryWhy: "root package", start: "go run ."})
	if len(repo.Unsupported) != 1 || repo.Unsupported[0].Dir != "third_party/x" {
		t.Errorf("unsupported: %s", dump(repo.Unsupported))
	}
}

func TestLanguageName(t *testing.T) {
	for _, f := range []string{"dune-project", "composer.json", "Gemfile", "DESCRIPTION", "CMakeLists.txt", "mix.exs",
		"Package.swift", "stack.yaml", "build.sbt", "pubspec.yaml", "build.zig", "deno.json", "x.csproj", "x.opam", "x.cabal"} {
		id := unsupportedLanguage(f)
		if id == "" || id != strings.ToLower(id) || strings.ContainsAny(id, "/. +#") {
			t.Errorf("%s: language id %q; want a lower-case id", f, id)
		}
		if LanguageName(id) == id {
			t.Errorf("%s: no display name for %q", f, id)
		}
	}
	for id, want := range map[string]string{"ocaml": "OCaml", "dotnet": ".NET", "cpp": "C/C++", "r": "R", "cobol": "cobol"} {
		if got := LanguageName(id); got != want {
			t.Errorf("LanguageName(%q) = %q, want %q", id, got, want)
		}
	}
}
