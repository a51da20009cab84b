package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// TestReadmeValidateWorkflow checks the README's "validate as a CI step"
// workflow: it passes the strict gate, and each action is the pin of
// internal/pins/actions.yaml, comment included.
func TestReadmeValidateWorkflow(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "As a CI step, with the findings in code scanning:\n\n```yaml\n")
	if !ok {
		t.Fatal("README has no validate CI step")
	}
	wf, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("the README's CI step block is not closed")
	}
	if fs := validate.CheckFile(".github/workflows/validate.yml", []byte(wf), validate.Options{}); len(fs) > 0 {
		t.Errorf("the README's workflow does not pass the gate:\n%v", fs)
	}
	uses := regexp.MustCompile(`uses: (\S+) # (\S+)`).FindAllStringSubmatch(wf, -1)
	if len(uses) != 3 || !strings.Contains(wf, "upload-sarif@") {
		t.Fatalf("want checkout, setup-go and upload-sarif, got %v", uses)
	}
	for _, u := range uses {
		p, ok := pins.Known(u[1])
		if !ok || p.Version != u[2] {
			t.Errorf("%s # %s is not a pin of internal/pins/actions.yaml", u[1], u[2])
		}
	}
}
