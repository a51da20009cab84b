package cicd

import (
	"testing"

	"gopkg.in/yaml.v3"
)

// TestCICDDependabotAlone: workflows=dependabot writes .github/dependabot.yml
// and nothing else, with github-actions, each ecosystem present and docker
// for the Dockerfiles, also for languages the brain cannot build.
func TestCICDDependabotAlone(t *testing.T) {
	dep := map[string]string{"workflows": "dependabot"}
	cases := []struct {
		cxCase
		// ecosystems are the package-ecosystem and directory pairs, in order.
		ecosystems []string
	}{
		{cxCase{name: "go service with a Dockerfile", dir: "../../../../testdata/realworld/go-service-cmd", params: dep},
			[]string{"github-actions /", "docker /", "gomod /"}},
		{cxCase{name: "Rails app: bundler, its npm assets and docker", dir: "../../../../testdata/realworld/ruby-app-dockerfile", params: dep},
			[]string{"github-actions /", "bundler /", "docker /", "npm /"}},
		{cxCase{name: "WordPress plugin: composer and npm", dir: "../../../../testdata/realworld/wp-plugin-cypress", params: dep},
			[]string{"github-actions /", "composer /", "npm /"}},
		{cxCase{name: "pnpm workspace: npm from the root, where the lock file is", dir: "../../../../testdata/realworld/express-pnpm-workspace", params: dep},
			[]string{"github-actions /", "npm /"}},
		{cxCase{name: "Elixir app", files: map[string]string{"mix.exs": "defmodule App.MixProject do\n  use Mix.Project\nend\n", "mix.lock": "%{}\n"}, params: dep},
			[]string{"github-actions /", "mix /"}},
		{cxCase{name: "a bare Dockerfile", files: map[string]string{"Dockerfile": "FROM alpine:3.20\n"}, params: dep},
			[]string{"github-actions /", "docker /"}},
	}
	for i := range cases {
		cases[i].only = []string{DependabotPath}
	}
	var plain []cxCase
	for _, c := range cases {
		plain = append(plain, c.cxCase)
	}
	runCXCases(t, plain)
	for _, c := range cases {
		t.Run(c.name+"/ecosystems", func(t *testing.T) {
			cs, err := runCX(t, c.cxCase)
			if err != nil {
				t.Fatal(err)
			}
			f := cs.Get(DependabotPath)
			if f == nil {
				t.Fatalf("no %s", DependabotPath)
			}
			var cfg struct {
				Version int
				Updates []struct {
					Ecosystem string `yaml:"package-ecosystem"`
					Directory string
				}
			}
			if err := yaml.Unmarshal(f.Content, &cfg); err != nil || cfg.Version != 2 {
				t.Fatalf("not a Dependabot v2 file (%v):\n%s", err, f.Content)
			}
			var got []string
			for _, u := range cfg.Updates {
				got = append(got, u.Ecosystem+" "+u.Directory)
			}
			if len(got) != len(c.ecosystems) {
				t.Fatalf("ecosystems = %v, want %v", got, c.ecosystems)
			}
			for i := range got {
				if got[i] != c.ecosystems[i] {
					t.Errorf("ecosystems = %v, want %v", got, c.ecosystems)
					break
				}
			}
		})
	}
}

// TestCICDDependabotNothing: with nothing Dependabot can update (an OCaml
// library with no Dockerfile), the task fails with the reason.
func TestCICDDependabotNothing(t *testing.T) {
	_, err := runCX(t, cxCase{files: map[string]string{"dune-project": "(lang dune 3.0)\n"}, params: map[string]string{"workflows": "dependabot"}})
	if err == nil {
		t.Fatal("no error")
	}
}
