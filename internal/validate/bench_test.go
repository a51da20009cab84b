package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/pins"
)

// The benchmark fixtures are a small, realistic service: what one task of a
// specialist writes. Action references come from the project's pin table
// (internal/pins) and image tags from the built-in brain's image table
// (internal/brain/builtin/images.yaml); nothing here is made up.

// benchUses returns the pinned uses: value of an action from the pin table.
func benchUses(tb testing.TB, action string) string {
	tb.Helper()
	p, err := pins.Action(action)
	if err != nil {
		tb.Fatal(err)
	}
	return p.Uses()
}

func benchWorkflowCI(tb testing.TB, name string) string {
	return `name: ` + name + `
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
concurrency:
  group: ` + name + `-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: ` + benchUses(tb, "actions/checkout") + `
        with:
          persist-credentials: false
      - uses: ` + benchUses(tb, "actions/setup-go") + `
        with:
          go-version-file: go.mod
      - name: vet
        run: go vet ./...
      - name: test
        run: go test -race ./...
`
}

func benchWorkflowImage(tb testing.TB, name string) string {
	return `name: ` + name + `
on:
  push:
    branches: [main]
    tags: ['v*']
permissions:
  contents: read
jobs:
  image:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: ` + benchUses(tb, "actions/checkout") + `
        with:
          persist-credentials: false
      - uses: ` + benchUses(tb, "docker/setup-buildx-action") + `
      - uses: ` + benchUses(tb, "docker/login-action") + `
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      - id: meta
        uses: ` + benchUses(tb, "docker/metadata-action") + `
        with:
          images: ghcr.io/${{ github.repository }}
      - uses: ` + benchUses(tb, "docker/build-push-action") + `
        with:
          context: .
          push: true
          tags: ${{ steps.meta.outputs.tags }}
          labels: ${{ steps.meta.outputs.labels }}
`
}

const benchDockerfileGo = `# syntax=docker/dockerfile:1
FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/api ./cmd/api

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/api /api
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/api"]
`

const benchDockerfileNode = `# syntax=docker/dockerfile:1
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
EXPOSE 3000
CMD ["node", "server.js"]
`

const benchDockerignore = `.git
.github
**/node_modules
*.log
.env
.env.*
coverage/
dist/
Dockerfile*
compose*.yaml
`

const benchCompose = `services:
  api:
    build: .
    ports:
      - "8080:8080"
    environment:
      DATABASE_URL: ${DATABASE_URL:?set DATABASE_URL}
    depends_on:
      db:
        condition: service_healthy
    restart: unless-stopped
  db:
    image: postgres:17-bookworm
    environment:
      POSTGRES_DB: app
      POSTGRES_USER: app
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    secrets:
      - db_password
    volumes:
      - db-data:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app -d app"]
      interval: 10s
      timeout: 5s
      retries: 5
volumes:
  db-data:
secrets:
  db_password:
    file: ./secrets/db_password.txt
`

// The Terraform fixture stands for a repository that already states its
// Terraform and provider versions; the gate asks only that some constraint
// be there.
const benchTerraformMain = `terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "logs" {
  bucket = "${var.name}-logs"
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}
`

const benchTerraformVars = `variable "name" {
  description = "Name prefix of every resource."
  type        = string
}

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-west-1"
}

output "logs_bucket" {
  description = "Name of the log bucket."
  value       = aws_s3_bucket.logs.bucket
}
`

const benchDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels:
    app.kubernetes.io/name: api
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: api
          image: ghcr.io/example/api:1.4.2
          ports:
            - containerPort: 8080
              name: http
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
`

const benchPrometheusRules = `groups:
  - name: api
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
      - alert: APIHighErrorRate
        expr: |
          sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))
            / sum(rate(http_requests_total{job="api"}[5m])) > 0.05
        for: 10m
        labels:
          severity: page
        annotations:
          summary: "API error rate above 5% for 10 minutes"
          description: "{{ $value | humanizePercentage }} of API requests failed over the last 5 minutes."
          runbook_url: "https://github.com/example/api/blob/main/docs/runbooks/high-error-rate.md"
`

// benchChangeSet returns the ten files of one service, under prefix (""
// for a repository root, "svc-001/" for a monorepo member). Workflows stay
// under .github/workflows, named after the prefix.
func benchChangeSet(tb testing.TB, prefix string) []File {
	wf := strings.TrimSuffix(strings.ReplaceAll(prefix, "/", "-"), "-")
	if wf != "" {
		wf += "-"
	}
	return []File{
		{Path: ".github/workflows/" + wf + "ci.yml", Content: []byte(benchWorkflowCI(tb, wf+"ci"))},
		{Path: ".github/workflows/" + wf + "image.yml", Content: []byte(benchWorkflowImage(tb, wf+"image"))},
		{Path: prefix + "Dockerfile", Content: []byte(benchDockerfileGo)},
		{Path: prefix + "web/Dockerfile", Content: []byte(benchDockerfileNode)},
		{Path: prefix + ".dockerignore", Content: []byte(benchDockerignore)},
		{Path: prefix + "compose.yaml", Content: []byte(benchCompose)},
		{Path: prefix + "infra/main.tf", Content: []byte(benchTerraformMain)},
		{Path: prefix + "infra/variables.tf", Content: []byte(benchTerraformVars)},
		{Path: prefix + "deploy/k8s/deployment.yaml", Content: []byte(benchDeployment)},
		{Path: prefix + "monitoring/rules.yml", Content: []byte(benchPrometheusRules)},
	}
}

// BenchmarkChangeSet10 measures the gate over one ChangeSet of ten files of
// mixed kinds, the unit the engine checks after each specialist task.
func BenchmarkChangeSet10(b *testing.B) {
	files := benchChangeSet(b, "")
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = len(Check(files, Options{}))
	}
	b.ReportMetric(float64(n), "findings/op")
}

// BenchmarkCheckFile measures the gate on each fixture alone, to show
// which artifact kind costs what.
func BenchmarkCheckFile(b *testing.B) {
	for _, f := range benchChangeSet(b, "") {
		b.Run(string(KindOf(f.Path, f.Content))+"="+strings.ReplaceAll(f.Path, "/", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				CheckFile(f.Path, f.Content, Options{})
			}
		})
	}
}

// benchRepo writes a repository of 1,000 files into a temporary directory:
// 100 services of ten artifacts each, minus one Dockerfile per service
// traded for a Go source file that Discover must skip.
func benchRepo(b *testing.B) (dir string, artifacts int) {
	b.Helper()
	dir = b.TempDir()
	for i := range 100 {
		prefix := fmt.Sprintf("services/svc-%03d/", i)
		for j, f := range benchChangeSet(b, prefix) {
			if j == 3 { // web/Dockerfile → a Go file
				f = File{Path: prefix + "cmd/api/main.go", Content: []byte("package main\n\nfunc main() {}\n")}
			} else {
				artifacts++
			}
			full := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(full, f.Content, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return dir, artifacts
}

// BenchmarkRepo1000 measures "devops-lead validate" on a repository of
// 1,000 files: Discover, then Check.
func BenchmarkRepo1000(b *testing.B) {
	dir, artifacts := benchRepo(b)
	var n int
	b.ReportAllocs()
	for b.Loop() {
		files, err := Discover(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(files) != artifacts {
			b.Fatalf("Discover found %d files, want %d", len(files), artifacts)
		}
		n = len(Check(files, Options{}))
	}
	b.ReportMetric(float64(n), "findings/op")
}

// BenchmarkDiscover1000 measures Discover alone on the same repository, to
// tell walking and reading from checking.
func BenchmarkDiscover1000(b *testing.B) {
	dir, artifacts := benchRepo(b)
	b.ReportAllocs()
	for b.Loop() {
		files, err := Discover(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(files) != artifacts {
			b.Fatalf("Discover found %d files, want %d", len(files), artifacts)
		}
	}
}

// TestBenchFixturesHaveNoErrors keeps the benchmark honest: the fixtures
// are meant to be valid files, so an error finding is either a broken
// fixture or a false positive of a rule.
func TestBenchFixturesHaveNoErrors(t *testing.T) {
	for _, f := range Check(benchChangeSet(t, ""), Options{}) {
		if f.Severity == Error {
			t.Errorf("benchmark fixture: %s", f)
		} else {
			t.Logf("benchmark fixture: %s", f)
		}
	}
}
