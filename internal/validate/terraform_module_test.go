package validate

import (
	"testing"
	"testing/fstest"
)

// TestTerraformWrapperModuleProviders: a module that only calls other
// modules needs no required_providers; one with a resource does, and
// without the repository the file alone is still reported.
func TestTerraformWrapperModuleProviders(t *testing.T) {
	versions := []byte("terraform {\n  required_version = \">= 1.3\"\n}\n")
	wrapper := fstest.MapFS{
		"modules/safer/versions.tf": {Data: versions},
		"modules/safer/main.tf":     {Data: []byte("module \"gke\" {\n  source = \"../gke\"\n}\n")},
	}
	if fs := CheckFile("modules/safer/versions.tf", versions, Options{Workspace: wrapper}); hasRule(fs, ruleTFRequiredProviders.ID) {
		t.Errorf("a wrapper module needs no required_providers: %v", fs)
	}
	withResource := fstest.MapFS{
		"modules/gke/versions.tf": {Data: versions},
		"modules/gke/main.tf":     {Data: []byte("resource \"google_container_cluster\" \"c\" {\n  name = \"c\"\n}\n")},
	}
	if fs := CheckFile("modules/gke/versions.tf", versions, Options{Workspace: withResource}); !hasRule(fs, ruleTFRequiredProviders.ID) {
		t.Errorf("a module with a resource needs required_providers: %v", rulesOf(fs))
	}
	if fs := CheckFile("modules/safer/versions.tf", versions, Options{}); !hasRule(fs, ruleTFRequiredProviders.ID) {
		t.Errorf("without the repository the file is judged alone: %v", rulesOf(fs))
	}
}
