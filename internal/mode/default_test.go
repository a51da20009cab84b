package mode

import (
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	r, err := Default()
	if err != nil {
		t.Fatalf("embedded modes are invalid:\n%v", err)
	}
	want := []string{
		"aws-architect", "azure-architect", "cicd-specialist", "cloudflare-workers-specialist",
		"containerization-developer", "docker-compose-specialist", "gcp-architect",
		"infrastructure-specialist", "kubernetes-specialist", "monitoring-specialist",
	}
	all := r.All()
	if len(all) != len(want)+1 {
		t.Fatalf("Default has %d modes, want %d", len(all), len(want)+1)
	}
	lead := r.Lead()
	if lead == nil || lead.Slug != "devops-lead" || all[0] != lead {
		t.Fatalf("lead = %v, want devops-lead first in All", lead)
	}
	if len(lead.Writes) != 0 || lead.Model != "gemini-2.5-pro" {
		t.Errorf("lead writes %v, model %q; want no writes, gemini-2.5-pro", lead.Writes, lead.Model)
	}
	for i, slug := range want {
		m := r.Get(slug)
		if m == nil {
			t.Errorf("Default has no %s", slug)
			continue
		}
		if all[i+1] != m {
			t.Errorf("All()[%d] = %s, want %s (lead first, then by slug)", i+1, all[i+1].Slug, slug)
		}
		if !r.CanDelegate("devops-lead", slug) {
			t.Errorf("the lead does not delegate to %s", slug)
		}
		if m.Level != LevelSpecialist || len(m.Writes) == 0 || m.Body == "" {
			t.Errorf("%s: level %q, %d writes, body %d bytes", slug, m.Level, len(m.Writes), len(m.Body))
		}
		if m.Source != "embedded:"+slug+".md" {
			t.Errorf("%s: Source = %q", slug, m.Source)
		}
		if len(m.EscalatesTo) == 0 || m.EscalatesTo[0] != "devops-lead" {
			t.Errorf("%s escalates to %v, want devops-lead", slug, m.EscalatesTo)
		}
		wantModel := "gemini-2.5-flash"
		if len(slug) > 10 && slug[len(slug)-10:] == "-architect" {
			wantModel = "gemini-2.5-pro"
			if !r.CanDelegate(slug, "infrastructure-specialist") || !r.CanDelegate(slug, "cicd-specialist") {
				t.Errorf("%s delegates to %v", slug, m.DelegatesTo)
			}
		}
		if m.Model != wantModel {
			t.Errorf("%s: model %q, want %q", slug, m.Model, wantModel)
		}
	}
	r2, _ := Default()
	if r2 != r {
		t.Error("Default is not cached")
	}
}
