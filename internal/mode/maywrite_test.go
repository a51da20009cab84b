package mode

import "testing"

func TestMayWrite(t *testing.T) {
	r, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode, path string
		want       bool
	}{
		{"cicd-specialist", ".github/workflows/ci.yml", true},
		{"cicd-specialist", ".github/workflows/sub/x.yaml", true},
		{"cicd-specialist", ".github/dependabot.yml", true},
		{"cicd-specialist", ".github/actions/setup/action.yml", true},
		{"cicd-specialist", "Dockerfile", false},
		{"cicd-specialist", ".github/CODEOWNERS", false},
		{"cicd-specialist", "./.github/workflows/ci.yml", false},
		{"cicd-specialist", "/.github/workflows/ci.yml", false},
		{"cicd-specialist", ".github/workflows/../../main.go", false},
		{"containerization-developer", "Dockerfile", true},
		{"containerization-developer", "services/api/Dockerfile", true},
		{"containerization-developer", "services/api/Dockerfile.dev", true},
		{"containerization-developer", "build/api.dockerfile", true},
		{"containerization-developer", ".dockerignore", true},
		{"containerization-developer", "compose.yaml", false},
		{"containerization-developer", "services/api/main.go", false},
		{"docker-compose-specialist", "compose.yaml", true},
		{"docker-compose-specialist", "dev/compose.override.yaml", true},
		{"docker-compose-specialist", "docker-compose.prod.yml", true},
		{"docker-compose-specialist", ".env.example", true},
		{"docker-compose-specialist", ".env", false},
		{"infrastructure-specialist", "main.tf", true},
		{"infrastructure-specialist", "infra/aws/main.tf", true},
		{"infrastructure-specialist", "infra/aws/README.md", true},
		{"infrastructure-specialist", "infra/terraform.tfvars", false},
		{"infrastructure-specialist", "README.md", false},
		{"kubernetes-specialist", "k8s/deployment.yaml", true},
		{"kubernetes-specialist", "services/api/k8s/svc.yaml", true},
		{"kubernetes-specialist", "charts/api/values.yaml", true},
		{"kubernetes-specialist", "Dockerfile", false},
		{"monitoring-specialist", "ops/monitoring/rules.yml", true},
		{"aws-architect", "docs/architecture/aws.md", true},
		{"aws-architect", "infra/main.tf", false},
		{"cloudflare-workers-specialist", ".github/workflows/deploy-worker.yml", true},
		{"cloudflare-workers-specialist", ".github/workflows/ci.yml", false},
		{"cloudflare-workers-specialist", "api/wrangler.toml", true},
		{"devops-lead", "README.md", false},
		{"devops-lead", ".github/workflows/ci.yml", false},
	}
	for _, tt := range tests {
		m := r.Get(tt.mode)
		if m == nil {
			t.Fatalf("no mode %s", tt.mode)
		}
		if got := m.MayWrite(tt.path); got != tt.want {
			t.Errorf("%s.MayWrite(%q) = %v, want %v", tt.mode, tt.path, got, tt.want)
		}
	}
	var nilMode *Mode
	if nilMode.MayWrite("x") {
		t.Error("nil mode may write")
	}
}
