// Package gen writes a synthetic monorepo of an exact number of files for
// benchmarks: five services with real manifests (Go, Node, Python, Rust,
// Java), deep source trees, a big node_modules that detection must skip,
// docs, and the usual DevOps artifacts. The output is deterministic.
package gen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Services are the service directories every generated repository has.
var Services = []string{"apps/web", "services/api", "services/billing", "services/engine", "services/ml"}

// fixed are the manifests and artifacts, written first.
var fixed = map[string]string{
	"README.md":                "# synthetic monorepo\n\nGenerated for benchmarks.\n",
	".gitignore":               "node_modules/\ntarget/\n",
	"package.json":             `{"name":"mono","private":true,"workspaces":["apps/*"]}` + "\n",
	"pnpm-lock.yaml":           "lockfileVersion: '9.0'\n",
	".nvmrc":                   "20\n",
	"docker-compose.yml":       "services:\n  db:\n    image: postgres:16\n",
	".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo test\n",
	"Makefile":                 "test:\n\techo test\n",
	"deploy/k8s/api.yaml":      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
	"deploy/k8s/web.yaml":      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
	"infra/terraform/main.tf":  "terraform {\n  required_version = \">= 1.6\"\n}\n",
	"monitoring/alerts.yml":    "groups:\n  - name: api\n    rules:\n      - alert: ApiDown\n        expr: up{job=\"api\"} == 0\n",

	"services/api/go.mod":             "module example.com/mono/api\n\ngo 1.22.3\n\nrequire github.com/jackc/pgx/v5 v5.6.0\n",
	"services/api/go.sum":             "",
	"services/api/main.go":            "package main\n\nimport \"net/http\"\n\nfunc main() { _ = http.ListenAndServe(\":8080\", nil) }\n",
	"services/api/cmd/worker/main.go": "package main\n\nfunc main() {}\n",
	"services/api/Dockerfile":         "FROM golang:1.22 AS build\nEXPOSE 8080\n",

	"apps/web/package.json": `{"name":"web","scripts":{"build":"next build","test":"vitest","start":"next start -p 3000"},"dependencies":{"next":"14.2.0","pg":"8.11.0"}}` + "\n",

	"services/ml/pyproject.toml":  "[project]\nname = \"ml\"\nrequires-python = \">=3.11\"\ndependencies = [\"fastapi\", \"uvicorn\", \"redis\"]\n\n[dependency-groups]\ndev = [\"pytest\"]\n",
	"services/ml/uv.lock":         "version = 1\n",
	"services/ml/app/__init__.py": "",
	"services/ml/app/main.py":     "from fastapi import FastAPI\n\napp = FastAPI()\n",
	"services/ml/.env.example":    "PORT=8000\n",

	"services/engine/Cargo.toml":  "[package]\nname = \"engine\"\nversion = \"0.1.0\"\nedition = \"2021\"\nrust-version = \"1.78\"\n\n[dependencies]\naxum = \"0.7\"\n",
	"services/engine/Cargo.lock":  "version = 3\n",
	"services/engine/src/main.rs": "fn main() { let _ = \"0.0.0.0:3001\"; }\n",

	"services/billing/pom.xml": `<project><modelVersion>4.0.0</modelVersion><artifactId>billing</artifactId>` +
		`<properties><java.version>17</java.version></properties>` +
		`<dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>` + "\n",
	"services/billing/mvnw": "#!/bin/sh\n",
	"services/billing/src/main/resources/application.properties": "server.port=8081\n",
}

// filler makes the i-th bulk file of one kind.
type filler struct {
	weight int
	file   func(i int) (string, string)
}

// fillers share the files beyond the fixed ones, by weight.
var fillers = []filler{
	{40, func(i int) (string, string) { // dependencies: skipped by detection
		pkg, f := i/10, i%10
		if f == 0 {
			return fmt.Sprintf("apps/web/node_modules/pkg%04d/package.json", pkg),
				fmt.Sprintf(`{"name":"pkg%04d","version":"1.0.0","main":"index.js"}`+"\n", pkg)
		}
		return fmt.Sprintf("apps/web/node_modules/pkg%04d/lib/sub%d/file%d.js", pkg, f%3, f),
			fmt.Sprintf("module.exports = function f%d() { return %d; };\n", i, i)
	}},
	{20, func(i int) (string, string) { // a deep Go tree
		return fmt.Sprintf("services/api/internal/pkg%02d/sub%02d/leaf%02d/file%03d.go", i/8000, i/400%20, i/20%20, i%20),
			fmt.Sprintf("package leaf%02d\n\n// F%d is generated.\nfunc F%d() int { return %d }\n", i/20%20, i, i, i)
	}},
	{10, func(i int) (string, string) {
		return fmt.Sprintf("services/ml/app/mod%02d/sub%02d/file%03d.py", i/1000, i/50%20, i%50),
			fmt.Sprintf("def f%d():\n    return %d\n", i, i)
	}},
	{10, func(i int) (string, string) {
		return fmt.Sprintf("services/billing/src/main/java/com/acme/billing/p%02d/q%02d/C%d.java", i/500, i/25%20, i),
			fmt.Sprintf("package com.acme.billing;\n\nclass C%d {}\n", i)
	}},
	{5, func(i int) (string, string) {
		return fmt.Sprintf("services/engine/src/m%02d/f%03d.rs", i/100, i%100),
			fmt.Sprintf("pub fn f%d() -> u32 { %d }\n", i, i)
	}},
	{3, func(i int) (string, string) {
		return fmt.Sprintf("apps/web/src/components/c%02d/C%d.tsx", i/50, i),
			fmt.Sprintf("export const C%d = () => null;\n", i)
	}},
	{12, func(i int) (string, string) {
		return fmt.Sprintf("docs/section%02d/topic%02d/page%03d.md", i/1000, i/50%20, i%50),
			fmt.Sprintf("# Page %d\n\nSome prose.\n", i)
	}},
}

// MinFiles is the smallest repository Generate writes.
func MinFiles() int { return len(fixed) + len(fillers) }

// Generate writes exactly n files under dir, which must exist and should
// be empty. Turning it into a git repository is the caller's business.
func Generate(dir string, n int) error {
	if n < MinFiles() {
		return fmt.Errorf("gen: %d files is too few; ask for at least %d", n, MinFiles())
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("gen: output directory: %w; create it first", err)
	}
	if !st.IsDir() {
		return errors.New("gen: output path is not a directory")
	}
	w := &writer{root: dir, made: map[string]bool{}}
	for p, c := range fixed {
		if err := w.write(p, c); err != nil {
			return err
		}
	}
	base := n - len(fixed)
	rest := base
	total := 0
	for _, f := range fillers {
		total += f.weight
	}
	for k, f := range fillers {
		count := base * f.weight / total
		if k == len(fillers)-1 {
			count = rest
		}
		rest -= count
		for i := 0; i < count; i++ {
			p, c := f.file(i)
			if err := w.write(p, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// writer creates files, making each directory once.
type writer struct {
	root string
	made map[string]bool
}

func (w *writer) write(rel, content string) error {
	p := filepath.Join(w.root, filepath.FromSlash(rel))
	dir := filepath.Dir(p)
	if !w.made[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("gen: %w", err)
		}
		w.made[dir] = true
	}
	mode := os.FileMode(0o644)
	if filepath.Base(rel) == "mvnw" {
		mode = 0o755
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}
