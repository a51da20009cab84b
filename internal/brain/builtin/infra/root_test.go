package infra

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
)

// TestChooseTerraformRoot holds the layouts real repositories have: sample
// code, test fixtures and docs with their own Terraform, a root per cloud,
// one root for everything.
func TestChooseTerraformRoot(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // path: content; the roots are their dirs
		cloud string
		focus string
		want  string
		notes []string // substrings of the notes
	}{
		{name: "no terraform", cloud: "aws", want: "infra/aws"},
		{name: "an example root", files: map[string]string{"examples/aws/main.tf": kittest.TFAWS}, cloud: "aws", want: "infra/aws",
			notes: []string{"examples/aws is left alone: it sits under examples/"}},
		{name: "a test fixture checked against a golden file", files: map[string]string{"test/fixtures/tf/main.tf": kittest.TFAWS, "test/fixtures/tf/plan.golden": "x"},
			cloud: "aws", want: "infra/aws", notes: []string{"under test/"}},
		{name: "a blog's sample code", files: map[string]string{"docs/blog/code/main.tf": kittest.TFAWS}, cloud: "aws", want: "infra/aws", notes: []string{"under docs/"}},
		{name: "website and testdata", files: map[string]string{"website/tf/main.tf": kittest.TFAWS, "internal/testdata/aws/main.tf": kittest.TFAWS}, cloud: "aws", want: "infra/aws"},
		{name: "a GCP root and an AWS request", files: map[string]string{"infra/gcp/main.tf": kittest.TFGoogle}, cloud: "aws", want: "infra/aws",
			notes: []string{"infra/gcp does not use the aws provider", "new root, infra/aws"}},
		{name: "per-cloud roots under terraform", files: map[string]string{"terraform/gcp/main.tf": kittest.TFGoogle, "terraform/azure/main.tf": kittest.TFAzure}, cloud: "aws", want: "terraform/aws"},
		{name: "an infra root with the aws provider", files: map[string]string{"infra/main.tf": kittest.TFAWS}, cloud: "aws", want: "infra",
			notes: []string{"Terraform root in infra that uses the aws provider"}},
		{name: "an infra root of another cloud", files: map[string]string{"infra/main.tf": kittest.TFGoogle}, cloud: "aws", want: "infra/aws"},
		{name: "resources show the provider", files: map[string]string{"deploy/tf/main.tf": kittest.TfAWSResources}, cloud: "aws", want: "deploy/tf"},
		{name: "the google provider for gcp", files: map[string]string{"ops/main.tf": kittest.TFGoogle, "ops/aws/main.tf": kittest.TFAWS}, cloud: "gcp", want: "ops"},
		{name: "modules are not roots", files: map[string]string{"terraform/modules/vpc/main.tf": kittest.TFAWS}, cloud: "aws", want: "terraform/aws",
			notes: []string{"under modules/"}},
		{name: "a cloud folder of modules only", files: map[string]string{"infra/aws/main.tf": kittest.TFModuleOnly}, cloud: "aws", want: "infra/aws"},
		{name: "a cloud folder used otherwise", files: map[string]string{"infra/aws/main.tf": kittest.TFGoogle}, cloud: "aws", want: "infra/aws-2"},
		{name: "two roots with the provider", files: map[string]string{"envs/prod/main.tf": kittest.TFAWS, "envs/staging/main.tf": kittest.TFAWS}, cloud: "aws", want: "envs/prod",
			notes: []string{"2 Terraform roots use the aws provider (envs/prod, envs/staging)"}},
		{name: "focus", files: map[string]string{"infra/main.tf": kittest.TFAWS}, cloud: "aws", focus: "services/api", want: "services/api/infra/aws"},
		{name: "azure next to gcp", files: map[string]string{"infra/gcp/main.tf": kittest.TFGoogle}, cloud: "azure", want: "infra/azure"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			seen := map[string]bool{}
			var roots []string
			for p, c := range tc.files {
				fsys[p] = &fstest.MapFile{Data: []byte(c)}
				if d := p[:strings.LastIndex(p, "/")]; strings.HasSuffix(p, ".tf") && !seen[d] {
					seen[d] = true
					roots = append(roots, d)
				}
			}
			c := ChooseTerraformRoot(fsys, roots, tc.cloud, tc.focus)
			if c.Dir != tc.want {
				t.Errorf("dir = %q, want %q (notes %q)", c.Dir, tc.want, c.Notes)
			}
			notes := strings.Join(c.Notes, "\n")
			for _, n := range tc.notes {
				if !strings.Contains(notes, n) {
					t.Errorf("notes lack %q:\n%s", n, notes)
				}
			}
		})
	}
}
