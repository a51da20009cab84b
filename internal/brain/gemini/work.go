package gemini

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/genai"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/validate"
)

// agentRules follows the mode body in a specialist's system instruction.
const agentRules = `

## How you work here
You work through tools: list_files, read_file and search to look at the
repository (your own pending writes included), write_file and delete_file
to change files (only inside your writes globs: %s), and finish when the task
is done. finish validates your files; if it returns errors, fix them and
call finish again. Never invent action SHAs, image digests or versions:
take them from the repository or say in the summary that they must be
filled in.`

// Work runs the specialist agent for one task: a loop of model turns and
// tool calls until finish passes the gate, within the task's budgets. On an
// outer repair round it starts from in.Previous with in.Findings.
func (b *Brain) Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	if in.Mode == nil || in.Workspace == nil {
		return nil, fmt.Errorf("gemini work: task %q needs a mode and a workspace", in.Task.ID)
	}
	s := b.session(b.model(in.Mode.Model), "task "+in.Task.ID)
	cs := change.New(in.Task.ID, in.Mode.Slug)
	if in.Previous != nil {
		for _, f := range in.Previous.Files {
			g := *f
			cs.Files = append(cs.Files, &g)
		}
	}
	t := &tools{ws: in.Workspace, cs: cs, deps: in.Deps, mode: in.Mode, maxBytes: b.cfg.MaxReadBytes}
	cfg := &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText(in.Mode.Body+fmt.Sprintf(agentRules, strings.Join(in.Mode.Writes, ", "))+untrustedRule, genai.RoleUser),
		Tools:             toolDecls(),
	}
	contents := []*genai.Content{genai.NewContentFromText(workPrompt(in), genai.RoleUser)}
	refusals := 0
	for {
		resp, err := s.generate(ctx, contents, cfg)
		if err != nil {
			return nil, fmt.Errorf("gemini work: %w; nothing from this task is published", err)
		}
		if len(resp.Candidates) == 0 || resp.Candidates[0].Content == nil {
			return nil, fmt.Errorf("gemini work: task %s: the model returned no content (blocked or empty answer)", in.Task.ID)
		}
		contents = append(contents, resp.Candidates[0].Content)
		calls := resp.FunctionCalls()
		if len(calls) == 0 {
			contents = append(contents, genai.NewContentFromText("Use the tools: write the files, then call finish.", genai.RoleUser))
			continue
		}
		// Tool calls run first and finish last, so finish validates every
		// write of its turn.
		var parts []*genai.Part
		var finish *genai.FunctionCall
		for _, fc := range calls {
			if fc.Name == "finish" {
				finish = fc
				continue
			}
			parts = append(parts, &genai.Part{FunctionResponse: &genai.FunctionResponse{ID: fc.ID, Name: fc.Name, Response: t.run(fc)}})
		}
		done := false
		if finish != nil {
			errs := check(in, cs)
			if len(errs) == 0 {
				done = true
			} else {
				refusals++
				if refusals >= b.cfg.MaxRounds {
					return nil, fmt.Errorf("gemini work: task %s: the gate still found %d error(s) after %d finish attempt(s); nothing is published: %s",
						in.Task.ID, len(errs), refusals, listFindings(errs))
				}
				parts = append(parts, &genai.Part{FunctionResponse: &genai.FunctionResponse{ID: finish.ID, Name: finish.Name,
					Response: map[string]any{"error": "validation failed; fix these and call finish again", "findings": listFindings(errs)}}})
			}
		}
		if done {
			u := s.usage
			cs.Usage = &u
			return cs, nil
		}
		contents = append(contents, &genai.Content{Role: genai.RoleUser, Parts: parts})
	}
}

// check runs the gate the engine gave, keeping only errors.
func check(in engine.WorkInput, cs *change.ChangeSet) []validate.Finding {
	if in.Check == nil {
		return nil
	}
	return validate.Errors(in.Check(cs))
}

func listFindings(fs []validate.Finding) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// workPrompt is the first user turn: repository summary, the task, the
// request as untrusted data, the dependencies' files and any findings to
// repair.
func workPrompt(in engine.WorkInput) string {
	var b strings.Builder
	b.WriteString(repoSummary(in.Repo))
	t := in.Task
	fmt.Fprintf(&b, "\nYour task (id %s, from the lead): %s\nGoal: %s\n", t.ID, t.Title, t.Goal)
	if t.Why != "" {
		fmt.Fprintf(&b, "Why: %s\n", t.Why)
	}
	for _, a := range t.Acceptance {
		fmt.Fprintf(&b, "- acceptance: %s\n", a)
	}
	if len(t.Files) > 0 {
		fmt.Fprintf(&b, "Expected files: %s\n", strings.Join(t.Files, ", "))
	}
	if len(t.Services) > 0 {
		fmt.Fprintf(&b, "Services: %s\n", strings.Join(t.Services, ", "))
	}
	for k, v := range t.Params {
		fmt.Fprintf(&b, "Param %s = %s\n", k, v)
	}
	for _, d := range in.Deps {
		if d == nil {
			continue
		}
		fmt.Fprintf(&b, "Task %s (%s) before you wrote: %s (read_file and list_files see them)\n",
			d.TaskID, d.Mode, strings.Join(d.Paths(), ", "))
	}
	if len(in.Feedback) > 0 {
		fmt.Fprintf(&b, "\nThis task already has a pull request, and its reviewers asked for changes. Its files now (%s) are your pending changes: revise them so they do what the review asks, within your task and your rules; keep what the review does not mention. The review:\n%s\n",
			strings.Join(pendingPaths(in.Previous), ", "), fence("review", engine.FeedbackText(in.Feedback)))
	}
	if in.Previous != nil && len(in.Findings) > 0 {
		fmt.Fprintf(&b, "\nYour previous files (%s) were refused by the gate; they are your pending changes now. Fix:\n%s\n",
			strings.Join(in.Previous.Paths(), ", "), listFindings(in.Findings))
	}
	b.WriteString("\nThe request this plan came from:\n")
	b.WriteString(issueBlock(in.Issue))
	return b.String()
}

// pendingPaths lists a ChangeSet's paths ("none" when there is none).
func pendingPaths(cs *change.ChangeSet) []string {
	if cs == nil || len(cs.Files) == 0 {
		return []string{"none"}
	}
	return cs.Paths()
}

var _ engine.Brain = (*Brain)(nil)
