package cicd

import (
	"testing"
)

// Configurations written for these tests in the shapes people use.
const (
	ciTravisGo = `language: go
go:
  - "1.22.x"
  - 1.23.x
  - tip
services:
  - postgresql
  - redis-server
addons:
  postgresql: "15"
  apt:
    packages:
      - libpq-dev
env:
  global:
    - GO111MODULE=on DATABASE_URL="postgres://postgres@localhost/app_test?sslmode=disable"
    - API_TOKEN=abc123
    - secure: "c2VjcmV0IGJsb2I="
before_script:
  - psql -c 'create database app_test;' -U postgres
script:
  - go vet ./...
  - go test -race ./...
after_success:
  - echo "built $TRAVIS_COMMIT on $TRAVIS_BRANCH"
deploy:
  provider: releases
  api_key:
    secure: "eHl6"
  on:
    tags: true
notifications:
  email: false
`
	ciTravisNode = `language: node_js
node_js:
  - 18
cache: npm
services:
  - mysql
  - docker
`
	ciTravisPython = `language: python
python:
  - "3.10"
  - 3.11
install: pip install -r requirements.txt
script: pytest
`
	ciCircle = `version: 2.1
orbs:
  node: circleci/node@5.2.0
  aws-cli: circleci/aws-cli@4.1
executors:
  nodeexec:
    docker:
      - image: cimg/node:20.11
jobs:
  build:
    executor: nodeexec
    steps:
      - checkout
      - node/install-packages:
          pkg-manager: npm
      - run: npm run build
      - persist_to_workspace:
          root: .
          paths: [dist]
  test:
    docker:
      - image: cimg/node:20.11
        environment:
          NODE_ENV: test
      - image: cimg/postgres:14.2
        environment:
          POSTGRES_USER: app
          POSTGRES_DB: app_test
      - image: cimg/redis:7.0
    environment:
      DATABASE_URL: postgres://app@localhost:5432/app_test
      SECRET_KEY_BASE: notreal
    steps:
      - checkout
      - restore_cache:
          keys:
            - deps-{{ checksum "package-lock.json" }}
      - run:
          name: Install
          command: npm ci
      - run:
          name: Test
          command: |
            npm test -- --ci
            echo "done on $CIRCLE_BRANCH"
      - store_test_results:
          path: reports
  deploy:
    docker:
      - image: cimg/base:stable
    steps:
      - checkout
      - aws-cli/setup
      - run: ./deploy.sh
workflows:
  main:
    jobs:
      - build
      - test:
          requires: [build]
      - deploy:
          requires: [test]
          filters:
            branches:
              only: main
`
)

func TestCICDMigrate(t *testing.T) {
	goFiles := func(name, cfg string) map[string]string {
		return map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n", name: cfg}
	}
	nodeFiles := func(name, cfg string) map[string]string {
		return map[string]string{"package.json": `{"name":"app","scripts":{"test":"node --test","build":"tsc"}}`, "package-lock.json": `{"lockfileVersion":3}`, name: cfg}
	}
	runCXCases(t, []cxCase{
		{
			name:   "travis go: version matrix, postgres and redis with health checks, secrets, phases",
			files:  goFiles(".travis.yml", ciTravisGo),
			params: map[string]string{"workflows": "ci", "migrate": "travis"},
			only:   []string{CIWorkflowPath},
			want: map[string][]string{CIWorkflowPath: {
				"go: [1.22.x, 1.23.x]", "go-version: ${{ matrix.go }}", "actions/setup-go@44694675825211faa026b3c33043df3e48a5fa00",
				"image: postgres:15", "--health-cmd pg_isready", "POSTGRES_HOST_AUTH_METHOD: trust", "5432:5432",
				"image: redis:7", "redis-cli ping", "PGHOST: localhost",
				`GO111MODULE: "on"`, "DATABASE_URL: \"postgres://postgres@localhost/app_test?sslmode=disable\"", "API_TOKEN: ${{ secrets.API_TOKEN }}",
				"sudo apt-get install -y libpq-dev", "psql -c 'create database app_test;' -U postgres",
				"go vet ./...\n", "go test -race ./...", "if: success()",
				"TRAVIS_COMMIT: ${{ github.sha }}", "TRAVIS_BRANCH: ${{ github.head_ref || github.ref_name }}",
				"fail-fast: false"}},
			absent: map[string][]string{CIWorkflowPath: {"abc123", "c2VjcmV0", "tip", "provider", "eHl6"}},
			note: []string{"not translated: go tip", "not translated: deploy", "not translated: notifications",
				"encrypted (secure:) env entry", "API_TOKEN looks like a credential", ".travis.yml is kept: delete it once this workflow passes"},
		},
		{
			name:   "travis node: one version, the default install and script, mysql",
			files:  nodeFiles(".travis.yml", ciTravisNode),
			params: map[string]string{"migrate": "travis"},
			want: map[string][]string{CIWorkflowPath: {`node-version: "18"`, "npm ci", "npm test", "image: mysql:8.0",
				`MYSQL_ALLOW_EMPTY_PASSWORD: "yes"`, "mysqladmin ping", "MYSQL_HOST: 127.0.0.1"}},
			absent: map[string][]string{CIWorkflowPath: {"matrix"}},
			note:   []string{"Docker is on the GitHub runner", "the cache: settings are dropped", "names no mysql version"},
		},
		{
			name:   "travis python: float-looking versions stay strings",
			files:  map[string]string{"requirements.txt": "flask\n", "app.py": "", ".travis.yml": ciTravisPython},
			params: map[string]string{"workflows": "ci", "migrate": "travis"},
			want:   map[string][]string{CIWorkflowPath: {`python: ["3.10", "3.11"]`, "pip install -r requirements.txt", "run: pytest"}},
		},
		{
			name:   "circleci: executors, orbs, services, requires, filters",
			files:  nodeFiles(".circleci/config.yml", ciCircle),
			params: map[string]string{"workflows": "ci", "migrate": "circleci"},
			only:   []string{CIWorkflowPath},
			want: map[string][]string{CIWorkflowPath: {
				"  build:\n", "  test:\n", "needs: [build]", "needs: [test]",
				`node-version: "20.11"`, "npm run build", "image: postgres:14.2", "POSTGRES_USER: app", "POSTGRES_HOST_AUTH_METHOD: trust",
				"image: redis:7.0", "NODE_ENV: test", "DATABASE_URL: postgres://app@localhost:5432/app_test",
				"SECRET_KEY_BASE: ${{ secrets.SECRET_KEY_BASE }}", "name: Test", "npm test -- --ci",
				"CIRCLE_BRANCH: ${{ github.head_ref || github.ref_name }}", "./deploy.sh", "PGUSER: app",
				"if: github.event_name == 'push' && github.ref == 'refs/heads/main'", "- name: npm run build\n"}},
			absent: map[string][]string{CIWorkflowPath: {"notreal", "restore_cache", "checksum", "PGUSER: postgres"}},
			note: []string{"not translated: the orb aws-cli (circleci/aws-cli@4.1)", "persist_to_workspace",
				"store_test_results", "the step aws-cli/setup in job deploy", "SECRET_KEY_BASE looks like a credential"},
		},
		{
			name: "travis ruby: no setup action, the steps still translated",
			files: map[string]string{"Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n", "Gemfile.lock": "GEM\n",
				".travis.yml": "language: ruby\nrvm:\n  - 3.2\nbefore_script: bundle exec rake db:create\nscript: bundle exec rspec\njobs:\n  include:\n    - stage: lint\n      script: bundle exec rubocop\n"},
			params: map[string]string{"migrate": "travis"},
			want:   map[string][]string{CIWorkflowPath: {"bundle exec rake db:create", "bundle exec rspec"}},
			absent: map[string][]string{CIWorkflowPath: {"setup-ruby", "rubocop"}},
			note:   []string{"not translated: the ruby toolchain setup", "not translated: the job matrix include/exclude entries"},
		},
		{
			name:   "no travis file",
			files:  goFiles("README.md", "x\n"),
			params: map[string]string{"workflows": "ci", "migrate": "travis"},
			err:    "has no .travis.yml",
		},
		{
			name:   "a config that does not parse",
			files:  goFiles(".circleci/config.yml", "jobs: [\n"),
			params: map[string]string{"workflows": "ci", "migrate": "circleci"},
			err:    "does not parse",
		},
	})
}

func TestCICDMigrateBeside(t *testing.T) {
	existing := "name: ci\non: push\npermissions:\n  contents: read\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: echo lint\n"
	runCXCases(t, []cxCase{{
		name: "ci.yml exists",
		files: map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n",
			".travis.yml": ciTravisPython, ".github/workflows/ci.yml": existing},
		params: map[string]string{"migrate": "travis"},
		only:   []string{".github/workflows/ci-devops-lead.yml"},
	}})
}

// TestCICDConceptsDeterministic: two runs write the same bytes and notes.
func TestCICDConceptsDeterministic(t *testing.T) {
	cases := []cxCase{
		{files: map[string]string{"package.json": `{"name":"app"}`, ".circleci/config.yml": ciCircle}, params: map[string]string{"migrate": "circleci"}},
		{files: map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n", ".travis.yml": ciTravisGo}, params: map[string]string{"migrate": "travis"}},
		{dir: "../../../../testdata/realworld/go-work-monorepo", params: map[string]string{"workflows": "release,dependabot"}},
		{files: map[string]string{"a/wrangler.toml": ciWranglerToml}, params: map[string]string{"workflows": "worker"}},
	}
	for _, c := range cases {
		a, err := runCXNoPolicy(t, c)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			b, err := runCXNoPolicy(t, c)
			if err != nil {
				t.Fatal(err)
			}
			if a.Diff() != b.Diff() {
				t.Fatalf("%v: two runs differ", c.params)
			}
			for _, f := range a.Files {
				if g := b.Get(f.Path); g == nil || g.Note != f.Note {
					t.Fatalf("%v: %s's note differs between runs", c.params, f.Path)
				}
			}
		}
	}
}
