package kittest

import (
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// Workflows shaped like the ones real repositories have (written for
// these tests): an OS and version matrix with integration build tags, a
// Postgres service with a migration step, and a Cypress run for a web
// front end. go.yml and cypress.yml use actions at majors the pins table
// does not have, so no minimal patch can pin them; tests.yml uses the
// table's majors and lacks only pins and permissions.
const (
	preserveGoYML = `name: Go

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read

jobs:
  test:
    strategy:
      fail-fast: false
      matrix:
        os: [ubuntu-latest, macos-latest, windows-latest]
        go: ["1.22", "1.23"]
    runs-on: ${{ matrix.os }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version: ${{ matrix.go }}
      - run: go build ./...
      - run: go test -race ./...
  integration:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version-file: go.mod
      - run: go test -tags integration ./...
`
	preserveTestsYML = `# Integration tests against a real database.
name: tests

on:
  pull_request:
  push:
    branches: [main]

jobs:
  postgres:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_USER: ledger
          POSTGRES_PASSWORD: ledger
          POSTGRES_DB: ledger_test
        ports:
          - 5432:5432
        options: >-
          --health-cmd "pg_isready -U ledger"
          --health-interval 5s
          --health-timeout 5s
          --health-retries 10
    env:
      DATABASE_URL: postgres://ledger:ledger@localhost:5432/ledger_test?sslmode=disable
    steps:
      - uses: actions/checkout@v6
      - uses: actions/setup-go@v6
        with:
          go-version-file: go.mod
      # Migrations first, the way production runs them.
      - name: Migrate
        run: go run github.com/golang-migrate/migrate/v4/cmd/migrate@v4.18.1 -path db/migrations -database "$DATABASE_URL" up
      - run: go test -tags integration ./...
`
	preserveCypressYML = `name: e2e
on:
  pull_request:
jobs:
  cypress:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: cypress-io/github-action@v6
        with:
          working-directory: web
          build: npm run build
          start: npm start
`
)

// PreserveRepo is a Go service with a database, integration tests behind
// a build tag, and the three workflows above.
func PreserveRepo() fstest.MapFS {
	files := map[string]string{
		"go.mod":                           "module example.com/ledger\n\ngo 1.23\n\nrequire github.com/jackc/pgx/v5 v5.7.1\n",
		"go.sum":                           "",
		"main.go":                          "package main\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n\nfunc main() {\n\tport := os.Getenv(\"PORT\")\n\tif port == \"\" {\n\t\tport = \"8080\"\n\t}\n\thttp.ListenAndServe(\":\"+port, nil)\n}\n",
		"ledger_integration_test.go":       "//go:build integration\n\npackage main\n\nimport \"testing\"\n\nfunc TestLedger(t *testing.T) {}\n",
		"db/migrations/0001_init.up.sql":   "CREATE TABLE entries (id bigserial primary key);\n",
		"db/migrations/0001_init.down.sql": "DROP TABLE entries;\n",
		"web/cypress/e2e/home.cy.js":       "describe('home', () => { it('loads', () => { cy.visit('/') }) })\n",
		".github/workflows/go.yml":         preserveGoYML,
		".github/workflows/tests.yml":      preserveTestsYML,
		".github/workflows/cypress.yml":    preserveCypressYML,
	}
	return CIMapFS(files)
}

// FindFile returns the named file of a ChangeSet, or nil.
func FindFile(res *engine.Result, p string) *change.File {
	for _, tr := range res.Tasks {
		if tr.ChangeSet != nil {
			if f := tr.ChangeSet.Get(p); f != nil {
				return f
			}
		}
	}
	return nil
}
