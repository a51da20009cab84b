package stack

import (
	"reflect"
	"strings"
	"testing"
)

func TestTestNeedsFromCompose(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"api/go.mod":  "module example.com/api\n\ngo 1.22\n",
		"api/main.go": "package main\n\nfunc main() {}\n",
		"compose.yaml": `services:
  api:
    build: ./api
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    environment:
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD:?set it}@db:5432/app?sslmode=disable
      DB_HOST: ${DB_HOST:-db}
      APP_USER: db
      LOG_LEVEL: debug
      SECRET_KEY: ${SECRET_KEY}
      API_TOKEN: dev-token
  db:
    image: postgis/postgis:16-3.4
    environment:
      POSTGRES_DB: app
      POSTGRES_USER: app
      POSTGRES_PASSWORD: example
  cache:
    image: docker.io/library/redis:7-alpine
  mail:
    image: mailhog/mailhog
`,
	}, Options{})
	s := repo.Service("api")
	if s == nil {
		t.Fatalf("no api service: %s", dump(repo))
	}
	want := &TestNeeds{
		Source: "compose.yaml",
		Services: []TestService{
			{Kind: "redis", Tag: "7-alpine"},
			{Kind: "postgres", Env: []EnvVar{{Name: "POSTGRES_DB", Default: "app"}, {Name: "POSTGRES_USER", Default: "app"}}},
		},
		Env: []EnvVar{
			{Name: "APP_USER", Default: "db"}, // not a host variable: a user called like the service
			{Name: "DATABASE_URL", Default: "postgres://app@localhost:5432/app?sslmode=disable"},
			{Name: "DB_HOST", Default: "localhost"},
			{Name: "LOG_LEVEL", Default: "debug"},
		},
		Withheld: []string{"API_TOKEN", "SECRET_KEY"},
	}
	if !reflect.DeepEqual(s.TestNeeds, want) {
		t.Errorf("test needs:\n got %s\nwant %s", dump(s.TestNeeds), dump(want))
	}
}

// TestTestNeedsComposeDotEnv: the .env beside a Compose file gives the
// values Compose interpolates (${POSTGRES_DB}, ${DB_PORT:-5432} set there),
// passwords in it are still never copied, and a variable it lacks stays
// unknown.
func TestTestNeedsComposeDotEnv(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"api/go.mod":  "module example.com/api\n\ngo 1.22\n",
		"api/main.go": "package main\n\nfunc main() {}\n",
		".env":        "# local settings\nPOSTGRES_DB=shop\nexport POSTGRES_USER=\"shopper\"\nPOSTGRES_PASSWORD=hunter2\nDB_PORT=6543 # not the default\nEMPTY=\n",
		"compose.yaml": `services:
  api:
    build: ./api
    depends_on: [db]
    environment:
      DATABASE_URL: postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@db:${DB_PORT:-5432}/${POSTGRES_DB}
      DB_NAME: ${POSTGRES_DB:?set it}
      MODE: ${EMPTY:-test}
      REGION: ${REGION}
  db:
    image: postgres:16
    environment:
      POSTGRES_DB: ${POSTGRES_DB}
      POSTGRES_USER: ${POSTGRES_USER}
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}
`,
	}, Options{})
	s := repo.Service("api")
	if s == nil {
		t.Fatalf("no api service: %s", dump(repo))
	}
	want := &TestNeeds{
		Source: "compose.yaml",
		Services: []TestService{
			{Kind: "postgres", Tag: "16", Env: []EnvVar{{Name: "POSTGRES_DB", Default: "shop"}, {Name: "POSTGRES_USER", Default: "shopper"}}},
		},
		Env: []EnvVar{
			{Name: "DATABASE_URL", Default: "postgres://shopper@localhost:6543/shop"},
			{Name: "DB_NAME", Default: "shop"},
			{Name: "MODE", Default: "test"},
		},
	}
	if !reflect.DeepEqual(s.TestNeeds, want) {
		t.Errorf("test needs:\n got %s\nwant %s", dump(s.TestNeeds), dump(want))
	}
	if b := dump(s.TestNeeds); strings.Contains(b, "hunter2") {
		t.Errorf("a password from .env was copied: %s", b)
	}
}

func TestTestNeedsFromWorkflow(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"manage.py":        "import django\n",
		"requirements.txt": "django==5.0\npsycopg[binary]\n",
		".github/workflows/tests.yml": `on: push
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
  tests:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:17
        env:
          POSTGRES_PASSWORD: postgres
        ports: ["5432:5432"]
    env:
      DB_HOST: postgres
    steps:
      - uses: actions/checkout@v4
      - run: python manage.py test
        env:
          SQL_USER: postgres
          SQL_PASSWORD: postgres
          DJANGO_SETTINGS: ${{ vars.SETTINGS }}
`,
	}, Options{})
	if len(repo.Services) != 1 {
		t.Fatalf("want one service: %s", dump(repo))
	}
	s := repo.Services[0]
	if s.Test != "python manage.py test" {
		t.Fatalf("test command %q; the workflow match depends on it", s.Test)
	}
	want := &TestNeeds{
		Source:   ".github/workflows/tests.yml",
		Services: []TestService{{Kind: "postgres", Tag: "17"}},
		Env:      []EnvVar{{Name: "DB_HOST", Default: "localhost"}, {Name: "SQL_USER", Default: "postgres"}},
		Withheld: []string{"SQL_PASSWORD"},
	}
	if !reflect.DeepEqual(s.TestNeeds, want) {
		t.Errorf("test needs:\n got %s\nwant %s", dump(s.TestNeeds), dump(want))
	}
}

func TestTestNeedsNone(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no backing service": {
			"package.json": `{"name":"web","scripts":{"start":"node index.js","test":"vitest"}}`,
			"compose.yaml": "services:\n  web:\n    build: .\n    depends_on: [mail]\n  mail:\n    image: mailhog/mailhog\n",
		},
		"database not depended on": {
			"package.json": `{"name":"web","scripts":{"start":"node index.js","test":"vitest"}}`,
			"compose.yaml": "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n",
		},
		"workflow runs another unit's tests": {
			"package.json":                `{"name":"web","scripts":{"start":"node index.js","test":"vitest"}}`,
			".github/workflows/tests.yml": "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n    steps:\n      - run: pytest\n",
		},
	} {
		repo := mustDetect(t, files, Options{})
		for _, s := range repo.Services {
			if s.TestNeeds != nil {
				t.Errorf("%s: %s has test needs %s; nothing gives its tests a service", name, s.Dir, dump(s.TestNeeds))
			}
		}
	}
}
