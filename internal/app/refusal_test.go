package app

import (
	"errors"
	"strings"
	"testing"
)

func TestWorkflowRefusal(t *testing.T) {
	refused := errors.New("create branch devops-lead/1-ci: PATCH …: 403 refusing to allow a GitHub App to create or update workflow `.github/workflows/image.yml` without `workflows` permission []")
	got := workflowRefusal(actionsBot, refused, "comment `/devops retry image`")
	for _, want := range []string{"`.github/workflows/image.yml`", "default GITHUB_TOKEN", "actions/create-github-app-token", "Workflows: write as `github-token`", "set `bot-login`", "then comment `/devops retry image`."} {
		if !strings.Contains(got, want) {
			t.Errorf("GITHUB_TOKEN message lacks %q: %s", want, got)
		}
	}
	got = workflowRefusal("devops-lead[bot]", refused, "ask again")
	if strings.Contains(got, "GITHUB_TOKEN") || !strings.Contains(got, "Workflows: read and write permission") || !strings.HasSuffix(got, "then ask again.") {
		t.Errorf("App message: %s", got)
	}
	if got := workflowRefusal(actionsBot, errors.New("refused"), "x"); !strings.Contains(got, "`.github/workflows/`") {
		t.Errorf("without a path in the error: %s", got)
	}
}
