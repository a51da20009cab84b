package stack

import (
	"slices"
	"testing"
)

// TestSetuptoolsUnits covers projects that only setup.py or setup.cfg
// describe, and the places where such files must not make a unit.
func TestSetuptoolsUnits(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		// none is set when no unit is expected at dir.
		dir                                 string
		kind                                Kind
		version, manifest, module, test, pm string
		start                               string
		none                                bool
	}{
		{
			name: "setup.py library with python_requires and tests/",
			files: map[string]string{
				"setup.py":           "from setuptools import setup\nsetup(name='numwrap', packages=['numwrap'], python_requires='>=3.9')\n",
				"numwrap/core.py":    "def f(): return 1\n",
				"tests/test_core.py": "def test_f(): pass\n",
			},
			dir: ".", kind: KindLibrary, version: "3.9", manifest: "setup.py", module: "numwrap", test: "pytest", pm: "pip",
		},
		{
			name: "setup.py console_scripts make a cli",
			files: map[string]string{
				"setup.py":           "from setuptools import setup, find_packages\nsetup(\n    name=\"shipit\",\n    packages=find_packages(),\n    entry_points={\"console_scripts\": [\"shipit = shipit.cli:main\"]},\n    extras_require={\"dev\": [\"pytest\"]},\n)\n",
				"shipit/__init__.py": "",
				"shipit/cli.py":      "def main(): print('hi')\n",
			},
			dir: ".", kind: KindCLI, manifest: "setup.py", module: "shipit", test: "pytest", pm: "pip", start: "shipit",
		},
		{
			name: "setup.cfg metadata, options and entry points",
			files: map[string]string{
				"setup.py":              "from setuptools import setup\nsetup()\n",
				"setup.cfg":             "[metadata]\nname = tidy-logs\n\n[options]\npackages = find:\npython_requires = >=3.10\ninstall_requires =\n    click>=8\n\n[options.entry_points]\nconsole_scripts =\n    tidy-logs = tidy_logs.main:run\n",
				"tidy_logs/__init__.py": "",
				"tidy_logs/main.py":     "def run(): pass\n",
				"conftest.py":           "",
			},
			dir: ".", kind: KindCLI, version: "3.10", manifest: "setup.py", module: "tidy-logs", test: "pytest", pm: "pip", start: "tidy-logs",
		},
		{
			name: "a Flask app object makes a service",
			files: map[string]string{
				"setup.py":     "from setuptools import setup\nsetup(name='board', packages=['board'], install_requires=['Flask>=2'])\n",
				"board/app.py": "from flask import Flask\napp = Flask(__name__)\n",
			},
			dir: ".", kind: KindService, manifest: "setup.py", module: "board", pm: "pip",
			start: "flask --app board.app:app run --host 0.0.0.0 --port 8000",
		},
		{
			name: "a Django plugin is a library",
			files: map[string]string{
				"setup.py":                      "from setuptools import setup\nsetup(name='django-metricsx', packages=['django_metricsx'], install_requires=['Django>=4.2'])\n",
				"django_metricsx/__init__.py":   "",
				"django_metricsx/middleware.py": "class M: pass\n",
			},
			dir: ".", kind: KindLibrary, manifest: "setup.py", module: "django-metricsx", pm: "pip",
		},
		{
			name: "setup.py beside a pyproject.toml without [project] makes no unit",
			files: map[string]string{
				"pyproject.toml": "[build-system]\nrequires = [\"setuptools\"]\n",
				"setup.py":       "from setuptools import setup\nsetup(name='x', packages=['x'])\n",
				"x/__init__.py":  "",
			},
			dir: ".", none: true,
		},
		{
			name: "a helper setup.py in a Go repository's tools/ makes no unit",
			files: map[string]string{
				"go.mod":                      "module example.com/svc\n\ngo 1.22\n",
				"lib.go":                      "package svc\n",
				"tools/py/setup.py":           "from setuptools import setup\nsetup(name='helper', packages=['helper'])\n",
				"tools/py/helper/__init__.py": "",
			},
			dir: "tools/py", none: true,
		},
		{
			name: "setup.py with no package folder makes no unit",
			files: map[string]string{
				"setup.py": "from setuptools import setup\nsetup(name='x')\n",
				"README":   "x\n",
			},
			dir: ".", none: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(tt.dir)
			if tt.none {
				if s != nil {
					t.Fatalf("want no unit at %s, got %s", tt.dir, dump(s))
				}
				return
			}
			if s == nil {
				t.Fatalf("no unit at %s: %s", tt.dir, dump(repo))
			}
			got := []string{string(s.Language), string(s.Kind), s.Version, s.Manifest, s.Module, s.Test, s.PackageManager, s.Start}
			want := []string{"python", string(tt.kind), tt.version, tt.manifest, tt.module, tt.test, tt.pm, tt.start}
			if !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q\n%s", got, want, dump(s))
			}
		})
	}
}

// TestGoMainsWithoutMainGo covers main packages whose files are not named
// main.go: cmd/ itself, a deeper folder, and a go:generate helper that is
// never built.
func TestGoMainsWithoutMainGo(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		mains []string
		kind  Kind
	}{
		{
			name: "cmd/tool.go is package main",
			files: map[string]string{
				"go.mod":      "module example.com/tool\n\ngo 1.22\n",
				"cmd/tool.go": "package main\n\nfunc main() {}\n",
				"lib/lib.go":  "package lib\n",
			},
			mains: []string{"./cmd"}, kind: KindCLI,
		},
		{
			name: "a server folder whose file is not main.go",
			files: map[string]string{
				"go.mod":          "module example.com/api\n\ngo 1.22\n",
				"server/serve.go": "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
			},
			mains: []string{"./server"},
		},
		{
			name: "a go:build ignore generator is not a main package",
			files: map[string]string{
				"go.mod":        "module example.com/lib\n\ngo 1.22\n",
				"lib.go":        "package lib\n",
				"enc/gen.go":    "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
				"enc/enc.go":    "package enc\n",
				"gen_tables.go": "//go:build ignore\n// +build ignore\n\npackage main\n\nfunc main() {}\n",
			},
			kind: KindLibrary,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(".")
			if s == nil {
				t.Fatalf("no unit: %s", dump(repo))
			}
			if !slices.Equal(s.Mains, tt.mains) {
				t.Fatalf("mains %q, want %q\n%s", s.Mains, tt.mains, dump(s))
			}
			if tt.kind != "" && s.Kind != tt.kind {
				t.Fatalf("kind %s, want %s\n%s", s.Kind, tt.kind, dump(s))
			}
		})
	}
}

// TestGradleRootConfiguredSubprojects covers subprojects that settings.gradle
// includes and the root build file configures: each with src/ is a unit.
func TestGradleRootConfiguredSubprojects(t *testing.T) {
	files := map[string]string{
		"settings.gradle":                        "rootProject.name = 'chain'\ninclude 'client', 'crypto', 'docs'\n",
		"build.gradle":                           "allprojects { apply plugin: 'java'; sourceCompatibility = '17' }\n",
		"client/src/main/java/org/x/Client.java": "package org.x;\npublic class Client {\n  public static void main(String[] args) {}\n}\n",
		"crypto/src/main/java/org/x/Hash.java":   "package org.x;\npublic class Hash {}\n",
		"docs/README.md":                         "docs\n",
	}
	repo := mustDetect(t, files, Options{})
	if len(repo.Services) != 2 {
		t.Fatalf("want client and crypto, got %s", dump(repo.Services))
	}
	client, crypto := repo.Service("client"), repo.Service("crypto")
	if client == nil || client.Kind != KindCLI || client.Manifest != "../build.gradle" || client.Version != "17" {
		t.Fatalf("client: %s", dump(client))
	}
	if crypto == nil || crypto.Kind != KindLibrary {
		t.Fatalf("crypto: %s", dump(crypto))
	}
	if len(repo.Warnings) != 0 {
		t.Fatalf("warnings: %q", repo.Warnings)
	}
}

// TestBuildPackageDockerfile checks that the Go project layout's
// build/package/Dockerfile is listed while the rest of build/ stays
// unread build output.
func TestBuildPackageDockerfile(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"go.mod":                       "module example.com/ship\n\ngo 1.22\n",
		"cmd/ship.go":                  "package main\n\nfunc main() {}\n",
		"build/package/Dockerfile":     "FROM golang:1.22\n",
		"build/ci/Dockerfile.test":     "FROM golang:1.22\n",
		"build/Dockerfile":             "FROM scratch\n",
		"build/libs/docker/Dockerfile": "FROM scratch\n",
	}, Options{})
	want := []string{"build/ci/Dockerfile.test", "build/package/Dockerfile"}
	if !slices.Equal(repo.Artifacts.Dockerfiles, want) {
		t.Fatalf("dockerfiles %q, want %q", repo.Artifacts.Dockerfiles, want)
	}
}
