package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/genai"

	"github.com/devops-lead/devops-lead/internal/engine"
)

// planWire is the JSON the lead answers with; params are key/value pairs
// because the response schema cannot express a free-form map.
type planWire struct {
	Summary   string     `json:"summary"`
	Tasks     []taskWire `json:"tasks"`
	Questions []string   `json:"questions"`
	Declined  []string   `json:"declined"`
	Notes     []string   `json:"notes"`
}

type taskWire struct {
	ID         string   `json:"id"`
	Mode       string   `json:"mode"`
	Title      string   `json:"title"`
	Goal       string   `json:"goal"`
	Why        string   `json:"why"`
	Acceptance []string `json:"acceptance"`
	Files      []string `json:"files"`
	DependsOn  []string `json:"depends_on"`
	Services   []string `json:"services"`
	Params     []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"params"`
}

func planSchema(modes []string) *genai.Schema {
	str := &genai.Schema{Type: genai.TypeString}
	strs := &genai.Schema{Type: genai.TypeArray, Items: str}
	task := &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"id":         {Type: genai.TypeString, Description: "short unique id, e.g. container, ci"},
			"mode":       {Type: genai.TypeString, Enum: modes, Description: "the specialist mode to delegate to"},
			"title":      str,
			"goal":       str,
			"why":        str,
			"acceptance": strs,
			"files": {Type: genai.TypeArray, Items: str, Description: "the paths the task creates or changes; a file the repository already has " +
				"may be changed only if it is listed here (a directory ending in / covers the files under it, but a workflow must be named exactly)"},
			"depends_on": strs,
			"services":   strs,
			"params": {Type: genai.TypeArray, Items: &genai.Schema{Type: genai.TypeObject,
				Properties: map[string]*genai.Schema{"key": str, "value": str}, Required: []string{"key", "value"}}},
		},
		Required: []string{"id", "mode", "title", "goal"},
	}
	return &genai.Schema{
		Type: genai.TypeObject,
		Properties: map[string]*genai.Schema{
			"summary":   str,
			"tasks":     {Type: genai.TypeArray, Items: task},
			"questions": strs,
			"declined":  strs,
			"notes":     strs,
		},
		Required: []string{"summary", "tasks"},
	}
}

// Plan asks the lead model for a plan as JSON matching a response schema.
// A plan that does not decode or fails engine.CheckPlan is asked for once
// more with the error; a second failure is returned.
func (b *Brain) Plan(ctx context.Context, in engine.PlanInput) (*engine.Plan, error) {
	if in.Lead == nil || in.Modes == nil {
		return nil, errors.New("gemini plan: no lead mode in the registry; check the modes directory")
	}
	var modes []string
	var list strings.Builder
	for _, slug := range in.Lead.DelegatesTo {
		m := in.Modes.Get(slug)
		if m == nil {
			continue
		}
		modes = append(modes, slug)
		fmt.Fprintf(&list, "- %s: %s (writes %s)\n", slug, m.Description, strings.Join(m.Writes, ", "))
	}
	if len(modes) == 0 {
		return nil, fmt.Errorf("gemini plan: the lead %s delegates to no known mode; fix delegates_to in %s", in.Lead.Slug, in.Lead.Source)
	}
	s := b.session(b.model(in.Lead.Model), "the plan")
	cfg := &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText(in.Lead.Body+untrustedRule, genai.RoleUser),
		ResponseMIMEType:  "application/json",
		ResponseSchema:    planSchema(modes),
	}
	prompt := repoSummary(in.Repo) + "\nSpecialists you may delegate to (no others):\n" + list.String() +
		"\nAnswer with the plan as JSON. If the request is too vague to act on, give no tasks and ask questions. " +
		"List what you will not do under declined, each with why.\n\n" + issueBlock(in.Issue)
	contents := []*genai.Content{genai.NewContentFromText(prompt, genai.RoleUser)}
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := s.generate(ctx, contents, cfg)
		if err != nil {
			return nil, fmt.Errorf("gemini plan: %w", err)
		}
		text := resp.Text()
		plan, err := decodePlan(text)
		if err == nil {
			err = engine.CheckPlan(plan, in.Modes)
		}
		if err == nil {
			plan.Brain = b.Name()
			u := s.usage
			plan.Usage = &u
			return plan, nil
		}
		lastErr = err
		contents = append(contents, genai.NewContentFromText(text, genai.RoleModel),
			genai.NewContentFromText("That plan is not valid: "+err.Error()+
				". Answer again with the whole corrected plan as JSON.", genai.RoleUser))
	}
	return nil, fmt.Errorf("gemini plan: the model gave an invalid plan twice: %w", lastErr)
}

func decodePlan(text string) (*engine.Plan, error) {
	text = strings.TrimSpace(text)
	// A model that ignores the MIME type may still fence its JSON.
	if strings.HasPrefix(text, "```") {
		text = strings.TrimPrefix(strings.TrimPrefix(text, "```json"), "```")
		text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "```"))
	}
	if text == "" {
		return nil, errors.New("the answer was empty, want a JSON plan")
	}
	var w planWire
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("the answer is not the plan JSON: %w", err)
	}
	p := &engine.Plan{Summary: w.Summary, Questions: w.Questions, Declined: w.Declined, Notes: w.Notes}
	for i, t := range w.Tasks {
		if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Goal) == "" {
			return nil, fmt.Errorf("task %d (%q) needs a title and a goal", i+1, t.ID)
		}
		task := engine.Task{ID: t.ID, Mode: t.Mode, Title: t.Title, Goal: t.Goal, Why: t.Why,
			Acceptance: t.Acceptance, Files: t.Files, DependsOn: t.DependsOn, Services: t.Services}
		for _, kv := range t.Params {
			if task.Params == nil {
				task.Params = map[string]string{}
			}
			task.Params[kv.Key] = kv.Value
		}
		p.Tasks = append(p.Tasks, task)
	}
	if strings.TrimSpace(p.Summary) == "" && len(p.Tasks)+len(p.Questions) > 0 {
		return nil, errors.New("the plan has no summary")
	}
	return p, nil
}
