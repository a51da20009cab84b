package infra

import (
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
)

// undeclaredRefs returns the references of a root's .tf files (var.X,
// local.X, data.T.N, T.N) that nothing in the root declares, each as
// "file: reference": terraform-config-inspect loads a root whatever its
// expressions name. The iterators of dynamic blocks and the meta names
// (each, count, self, path, terraform) are no references.
func undeclaredRefs(t *testing.T, files map[string]string) []string {
	t.Helper()
	declared := map[string]bool{}
	bodies := map[string]*hclsyntax.Body{}
	for name, src := range files {
		if !strings.HasSuffix(name, ".tf") {
			continue
		}
		f, diags := hclsyntax.ParseConfig([]byte(src), name, hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		bodies[name] = body
		for _, b := range body.Blocks {
			switch b.Type {
			case "variable":
				declared["var."+b.Labels[0]] = true
			case "resource":
				declared[b.Labels[0]+"."+b.Labels[1]] = true
			case "data":
				declared["data."+b.Labels[0]+"."+b.Labels[1]] = true
			case "locals":
				for n := range b.Body.Attributes {
					declared["local."+n] = true
				}
			}
		}
	}
	meta := map[string]bool{"each": true, "count": true, "self": true, "path": true, "terraform": true}
	var missing []string
	var walk func(name string, body *hclsyntax.Body, iterators map[string]bool)
	walk = func(name string, body *hclsyntax.Body, iterators map[string]bool) {
		for _, a := range body.Attributes {
			for _, tr := range a.Expr.Variables() {
				root := tr.RootName()
				if iterators[root] || meta[root] {
					continue
				}
				parts := 2 // var.X, local.X, TYPE.NAME
				if root == "data" {
					parts = 3 // data.TYPE.NAME
				}
				ref := root
				for _, step := range tr[1:] {
					attr, ok := step.(hcl.TraverseAttr)
					if !ok || strings.Count(ref, ".") == parts-1 {
						break
					}
					ref += "." + attr.Name
				}
				if !declared[ref] {
					missing = append(missing, name+": "+ref)
				}
			}
		}
		for _, b := range body.Blocks {
			inner := iterators
			if b.Type == "dynamic" {
				inner = map[string]bool{b.Labels[0]: true}
				for k := range iterators {
					inner[k] = true
				}
			}
			walk(name, b.Body, inner)
		}
	}
	for name, body := range bodies {
		for _, b := range body.Blocks {
			if b.Type != "variable" { // a variable's type is no reference
				walk(name, b.Body, map[string]bool{})
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// TestUndeclaredRefsCatches: the reference check fails on references to a
// variable, a local, a data source and a resource the root lacks, and
// passes what the root declares, the meta names and dynamic iterators.
func TestUndeclaredRefsCatches(t *testing.T) {
	got := undeclaredRefs(t, map[string]string{
		"a.tf": `resource "google_storage_bucket_iam_member" "x" {
  bucket = google_storage_bucket.uploads.name
  member = local.k8s_principal
  role   = var.role
}

resource "aws_x" "y" {
  count = var.n
  a     = aws_db_instance.main.address
  b     = data.aws_partition.current.partition
  c     = "${local.tags.env}-${count.index}-${path.module}-${terraform.workspace}"
  d     = data.aws_region.current.name
  e     = google_storage_bucket_iam_member.x.id
  dynamic "rule" {
    for_each = var.rules
    content {
      v = rule.value
      w = [for r in var.rules : r.name]
    }
  }
}
`,
		"b.tf": `variable "n" {
  type = number
}

variable "rules" {
  type = list(object({ name = string }))
}

locals {
  tags = { env = var.n }
}

data "aws_region" "current" {}
`,
		"README.md": "var.nope is no reference here",
	})
	want := "a.tf: aws_db_instance.main,a.tf: data.aws_partition.current,a.tf: google_storage_bucket.uploads,a.tf: local.k8s_principal,a.tf: var.role"
	if strings.Join(got, ",") != want {
		t.Errorf("undeclared = %v, want %s", got, want)
	}
}

// rootWant is what checkRoot expects of the infra/ root that the
// infrastructure specialist renders.
type rootWant struct {
	// files, vars, outputs: the sorted comma-separated file names (under
	// infra/), variables and outputs of the root.
	files, vars, outputs string
	// resources: the sorted managed resources (TYPE.NAME); "" is not
	// checked.
	resources string
	// contains and absent: substrings each file must have and must not.
	contains, absent map[string][]string
	// provider: the provider the root pins in required_providers ("aws",
	// "google", "azurerm"), from hashicorp/<provider> with one constraint.
	provider string
}

// checkRoot renders params with the infrastructure specialist and checks
// what every rendered root shares: the file list (all under infra/,
// nothing unrendered), the contains and absent substrings, the gate,
// terraform-config-inspect loading it, the variables, outputs (and
// resources), no reference to anything undeclared, a description and a
// type on every variable, a description on every output, and the required
// provider. It returns the files by name under infra/ and the loaded
// module for the cloud-specific checks.
func checkRoot(t *testing.T, params map[string]string, want rootWant) (map[string]string, *tfconfig.Module) {
	t.Helper()
	cs, err := infraWork(t, params, fstest.MapFS{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	var names []string
	for _, f := range cs.Files {
		if !strings.HasPrefix(f.Path, "infra/") {
			t.Errorf("file %s is outside infra/", f.Path)
		}
		n := strings.TrimPrefix(f.Path, "infra/")
		byName[n] = string(f.Content)
		names = append(names, n)
		if strings.Contains(string(f.Content), "<no value>") {
			t.Errorf("%s has an unrendered value", n)
		}
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != want.files {
		t.Errorf("files = %s, want %s", got, want.files)
	}
	for file, wants := range want.contains {
		for _, w := range wants {
			if !strings.Contains(byName[file], w) {
				t.Errorf("%s lacks %q:\n%s", file, w, byName[file])
			}
		}
	}
	for file, bads := range want.absent {
		for _, b := range bads {
			if strings.Contains(byName[file], b) {
				t.Errorf("%s has %q:\n%s", file, b, byName[file])
			}
		}
	}
	if bad := undeclaredRefs(t, byName); len(bad) > 0 {
		t.Errorf("references to nothing declared: %v", bad)
	}
	kittest.InfraGate(t, kit.InfraMode, cs)
	mod := kittest.LoadRoot(t, cs, "infra", nil)
	if got := keys(mod.Variables); got != want.vars {
		t.Errorf("variables = %s, want %s", got, want.vars)
	}
	if got := keys(mod.Outputs); got != want.outputs {
		t.Errorf("outputs = %s, want %s", got, want.outputs)
	}
	if got := keys(mod.ManagedResources); want.resources != "" && got != want.resources {
		t.Errorf("resources = %s, want %s", got, want.resources)
	}
	for _, v := range mod.Variables {
		if v.Description == "" || v.Type == "" {
			t.Errorf("variable %s lacks a description or a type", v.Name)
		}
	}
	for _, o := range mod.Outputs {
		if o.Description == "" {
			t.Errorf("output %s lacks a description", o.Name)
		}
	}
	if p := mod.RequiredProviders[want.provider]; p == nil || p.Source != "hashicorp/"+want.provider || len(p.VersionConstraints) != 1 {
		t.Errorf("required_providers %s = %+v", want.provider, p)
	}
	return byName, mod
}
