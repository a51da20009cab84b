package cli

import (
	"fmt"
	"os"
	"testing"

	"github.com/devops-lead/devops-lead/internal/intent"
)

func TestZZDebugIntent(t *testing.T) {
	n := os.Getenv("ZZ_CASE")
	if n == "" {
		t.Skip()
	}
	c := loadCorpus(t)[n]
	r := intent.Read(c.Title, c.Body)
	for _, p := range r.Doc.Parts {
		fmt.Printf("[%s|%s] %q\n", p.Kind, p.Heading, p.Text)
	}
	fmt.Printf("text=%q\nci=%v cont=%v comp=%v pub=%v infra=%+v areas=%v\n", r.Text, r.CI, r.Container, r.Compose, r.Publish, r.Infra, r.Areas)
}
