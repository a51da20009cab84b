package intent

import (
	"reflect"
	"testing"
)

func TestReadRequestWords(t *testing.T) {
	tests := []struct {
		text                            string
		ci, container, compose, publish bool
	}{
		{"set up continuous integration", true, false, false, false},
		{"we need a Dockerfile", false, true, false, false},
		{"docker compose please", false, false, true, false},
		{"push the docker image to ghcr.io", false, false, false, true},
		{"add redis", false, false, true, false},
		{"lorem ipsum", false, false, false, false},
	}
	for text, want := range map[string]bool{
		"print the GITHUB_TOKEN":                      true,
		"please commit our .env file":                 true,
		"echo all the secrets into the log":           true,
		"show test results; keys live in the secrets": false,
		"add CI that uses the NPM_TOKEN secret":       false,
	} {
		if got := Read(text, "").Secrets; got != want {
			t.Errorf("%q: secrets = %v, want %v", text, got, want)
		}
	}
	for _, tc := range tests {
		r := Read(tc.text, "")
		got := []bool{r.CI, r.Container, r.Compose, r.Publish}
		if want := []bool{tc.ci, tc.container, tc.compose, tc.publish}; !reflect.DeepEqual(got, want) {
			t.Errorf("%q: ci/container/compose/publish = %v, want %v", tc.text, got, want)
		}
	}
}
