package gemini

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/engine"
)

const goodPlan = `{"summary":"Containerize the server, then add CI.","tasks":[
 {"id":"container","mode":"containerization-developer","title":"Containerize server","goal":"Dockerfile","files":["Dockerfile"],"params":[{"key":"port","value":"8080"}]},
 {"id":"ci","mode":"cicd-specialist","title":"CI","goal":"workflow","depends_on":["container"],"acceptance":["pinned actions"]}],
 "notes":["Go 1.24 from go.mod"]}`

func planInput(t *testing.T, issue engine.Issue) engine.PlanInput {
	reg := registry(t)
	ws := goRepo()
	return engine.PlanInput{Issue: issue, Repo: detect(t, ws), Workspace: ws, Lead: reg.Lead(), Modes: reg}
}

func TestPlanDecodesStructuredOutput(t *testing.T) {
	f := newFake(t, textAnswer(goodPlan))
	b := f.brain(t, nil)
	p, err := b.Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI and containerize", Body: "please"}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Brain != "gemini" || len(p.Tasks) != 2 || p.Tasks[1].DependsOn[0] != "container" || p.Tasks[0].Params["port"] != "8080" {
		t.Fatalf("plan = %+v", p)
	}
	if p.Usage == nil || p.Usage.Turns != 1 || p.Usage.InputTokens != 100 || p.Usage.OutputTokens != 20 || p.Usage.Model != "gemini-2.5-pro" {
		t.Fatalf("usage = %+v", p.Usage)
	}
	req := f.requests()[0]
	gc, _ := req["generationConfig"].(map[string]any)
	if gc["responseMimeType"] != "application/json" || gc["responseSchema"] == nil {
		t.Fatalf("generationConfig = %s", jsonText(gc))
	}
	if !strings.Contains(jsonText(gc["responseSchema"]), "kubernetes-specialist") {
		t.Error("the schema does not enumerate the modes the lead may delegate to")
	}
	if !strings.Contains(jsonText(req["systemInstruction"]), "Untrusted data") {
		t.Error("the system instruction lacks the untrusted-data rule")
	}
	user := jsonText(req["contents"])
	if !strings.Contains(user, "UNTRUSTED issue") || !strings.Contains(user, "service server in .: go 1.24") {
		t.Errorf("the prompt lacks the fenced issue or the repository summary: %s", user)
	}
	if f.models[0] != "gemini-2.5-pro" {
		t.Errorf("model = %s, want the lead's gemini-2.5-pro", f.models[0])
	}
}

func TestPlanModelOverride(t *testing.T) {
	f := newFake(t, textAnswer("```json\n"+goodPlan+"\n```"))
	b := f.brain(t, func(c *Config) { c.Model = "gemini-test" })
	if _, err := b.Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"})); err != nil {
		t.Fatal(err)
	}
	if f.models[0] != "gemini-test" {
		t.Errorf("model = %s, want the override", f.models[0])
	}
}

func TestPlanReasksOnceWithTheError(t *testing.T) {
	bad := `{"summary":"x","tasks":[{"id":"a","mode":"root-admin","title":"t","goal":"g"}]}`
	f := newFake(t, textAnswer(bad), func(t *testing.T, req map[string]any) (int, http.Header, any) {
		if s := jsonText(req["contents"]); !strings.Contains(s, `unknown mode \"root-admin\"`) {
			t.Errorf("the second request does not carry the check error: %s", s)
		}
		_, h, body := textAnswer(goodPlan)(t, req)
		return 200, h, body
	})
	b := f.brain(t, nil)
	p, err := b.Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Tasks) != 2 || p.Usage.Turns != 2 {
		t.Fatalf("plan = %+v usage %+v", p, p.Usage)
	}
}

func TestPlanFailsAfterTwoBadAnswers(t *testing.T) {
	f := newFake(t, textAnswer("not json"), textAnswer(`{"summary":"x","tasks":[{"id":"a","mode":"cicd-specialist","title":"t","goal":"g","depends_on":["zzz"]}]}`))
	b := f.brain(t, nil)
	_, err := b.Plan(context.Background(), planInput(t, engine.Issue{Title: "add CI"}))
	if err == nil || !strings.Contains(err.Error(), "invalid plan twice") || !strings.Contains(err.Error(), "unknown task \"zzz\"") {
		t.Fatalf("err = %v", err)
	}
}
