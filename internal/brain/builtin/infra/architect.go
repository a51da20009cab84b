package infra

import (
	"context"
	"fmt"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// architectCloud maps an architect mode to its cloud, and designPath a
// cloud to its note.
var (
	architectCloud = map[string]string{kit.AWSArchitectMode: "aws", kit.GCPArchitectMode: "gcp", kit.AzureArchitectMode: "azure"}
	designPath     = map[string]string{"aws": kit.AWSDesignPath, "gcp": kit.GCPDesignPath, "azure": kit.AzureDesignPath}
)

// WriteDesign is the AWS, GCP and Azure architect: the design note for the same
// Params the infrastructure task gets (cloud, compute, database, bucket,
// name, port, dir), plus why (the lead's reason for the choice).
func WriteDesign(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, err := infraFor(in)
	if err != nil {
		return nil, err
	}
	if want := architectCloud[in.Task.Mode]; want != a.Cloud {
		return nil, fmt.Errorf("task %q: the %s designs for %s, and the task asks for cloud %q; give the task to the %s-architect", in.Task.ID, in.Task.Mode, want, a.Cloud, a.Cloud)
	}
	out := designPath[a.Cloud]
	dir := in.Task.Params["dir"]
	if dir == "" {
		dir = "infra"
	}
	why := in.Task.Params["why"]
	if why == "" {
		why = "the cloud was asked for."
	}
	content, err := templates.Render("architect/"+a.Cloud+".md.tmpl", struct {
		*CloudInfra
		Request, Dir, Why string
	}{a, QuoteTitle(in.Issue.Title), dir, kit.Capitalise(why)})
	if err != nil {
		return nil, err
	}
	old, err := kit.ReadOptional(in.Workspace, out)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", out, err)
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	cs.Put(out, content, old, "")
	return cs, nil
}

// QuoteTitle makes an issue title safe to quote in Markdown: one line,
// no backticks or markup that could form links, at most 120 bytes.
func QuoteTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("`", "'", "<", "(", ">", ")", "[", "(", "]", ")", "\"", "'").Replace(s)
	if len(s) > 120 {
		s = strings.ToValidUTF8(s[:120], "") + "..."
	}
	return s
}
