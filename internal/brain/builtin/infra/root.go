package infra

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
)

// Where new Terraform goes: into an existing root only when that root
// already uses the cloud's provider and is the repository's own
// infrastructure, not sample code, a test fixture or documentation;
// otherwise into a new root, infra/<cloud> or the folder the repository
// keeps its per-cloud roots in.

// notInfraDirs are folder names whose Terraform is not the repository's
// infrastructure: tests and their fixtures, examples and samples, docs
// and sites, reusable modules and vendored code.
var notInfraDirs = map[string]bool{
	"test": true, "tests": true, "testdata": true, "testing": true, "__tests__": true, "e2e": true,
	"fixture": true, "fixtures": true, "test-fixtures": true,
	"example": true, "examples": true, "sample": true, "samples": true, "demo": true, "demos": true,
	"doc": true, "docs": true, "site": true, "sites": true, "blog": true, "website": true, "www": true,
	"modules": true, "vendor": true, "node_modules": true, "third_party": true,
}

// cloudDirNames are the folder names a repository gives a cloud's root.
var cloudDirNames = map[string][]string{
	"aws":   {"aws"},
	"gcp":   {"gcp", "google", "gcloud"},
	"azure": {"azure", "azurerm"},
}

// excludedRoot names the folder that makes dir not the repository's own
// infrastructure, or "".
func excludedRoot(dir string) string {
	for _, seg := range strings.Split(dir, "/") {
		if notInfraDirs[strings.ToLower(seg)] || (strings.HasPrefix(seg, ".") && seg != ".") {
			return seg
		}
	}
	return ""
}

// rootChoice is where the Terraform of one cloud goes and why.
type rootChoice struct {
	Dir   string
	Notes []string
}

// ChooseTerraformRoot picks the root for cloud among the roots detection
// found (directories with .tf files, relative to the repository root);
// focus is the subtree the request is about ("" for all).
func ChooseTerraformRoot(ws fs.FS, roots []string, cloud, focus string) rootChoice {
	var c rootChoice
	provider := providerOf[cloud]
	var own, users []string
	roots = slices.Clone(roots)
	sort.Strings(roots) // the same choice whatever order detection listed them in
	for _, r := range roots {
		if focus != "" && focus != "." && r != focus && !strings.HasPrefix(r, focus+"/") {
			continue
		}
		if seg := excludedRoot(r); seg != "" {
			c.Notes = append(c.Notes, fmt.Sprintf("the Terraform in %s is left alone: it sits under %s/, so it is not the repository's own infrastructure", r, seg))
			continue
		}
		own = append(own, r)
		ex, err := readRoot(ws, r)
		if err != nil {
			c.Notes = append(c.Notes, fmt.Sprintf("the Terraform in %s is left alone: %v", r, err))
			continue
		}
		if ex.uses[provider] || isCloudDir(path.Base(r), cloud) && len(ex.uses) == 0 {
			users = append(users, r)
		} else {
			c.Notes = append(c.Notes, fmt.Sprintf("the Terraform root %s does not use the %s provider, so the %s Terraform does not go there", r, provider, CloudLabel(cloud)))
		}
	}
	if len(users) > 0 {
		c.Dir = users[0]
		c.Notes = append(c.Notes, fmt.Sprintf("the repository has a Terraform root in %s that uses the %s provider: the new files are added to it, and no existing file is overwritten", kit.DirLabel(users[0]), provider))
		if len(users) > 1 {
			c.Notes = append(c.Notes, fmt.Sprintf("%d Terraform roots use the %s provider (%s); the plan uses %s (name another folder in the request to choose it)", len(users), provider, strings.Join(users, ", "), users[0]))
		}
		return c
	}
	c.Dir = newRootDir(ws, own, cloud, focus)
	if len(c.Notes) > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("the %s Terraform goes into a new root, %s", CloudLabel(cloud), c.Dir))
	}
	return c
}

// newRootDir is the folder of a new root: next to the repository's
// per-cloud roots (infra/gcp → infra/aws), else under an infra or
// terraform folder it has, else infra/<cloud>, inside the focus. It never
// names a folder that already holds .tf files.
func newRootDir(ws fs.FS, own []string, cloud, focus string) string {
	base := ""
	if focus != "" && focus != "." {
		base = focus
	}
	var parents []string
	for _, r := range own {
		for c := range cloudDirNames {
			if isCloudDir(path.Base(r), c) && path.Dir(r) != "." {
				parents = append(parents, path.Dir(r))
			}
		}
	}
	sort.Strings(parents)
	if len(parents) == 0 {
		parents = append(parents, kit.JoinPath(base, "infra"))
		for _, d := range []string{"infra", "terraform", "infrastructure", "deploy/terraform"} {
			if p := kit.JoinPath(base, d); isDir(ws, p) {
				parents = []string{p}
				break
			}
		}
	}
	taken := map[string]bool{}
	for _, r := range own {
		taken[r] = true
	}
	dir := kit.JoinPath(parents[0], cloud)
	for i := 2; taken[dir] || hasTF(ws, dir); i++ {
		dir = kit.JoinPath(parents[0], fmt.Sprintf("%s-%d", cloud, i))
	}
	return dir
}

// isCloudDir reports whether a folder name names cloud.
func isCloudDir(name, cloud string) bool {
	for _, n := range cloudDirNames[cloud] {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// CloudLabel names a cloud for people.
func CloudLabel(cloud string) string {
	if p, ok := CloudProfiles[cloud]; ok {
		return p.Label
	}
	return cloud
}

// isDir reports whether the workspace has the directory.
func isDir(ws fs.FS, p string) bool {
	if ws == nil {
		return false
	}
	st, err := fs.Stat(ws, p)
	return err == nil && st.IsDir()
}

// hasTF reports whether a directory holds .tf files.
func hasTF(ws fs.FS, dir string) bool {
	if ws == nil {
		return false
	}
	entries, err := fs.ReadDir(ws, dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".tf") {
			return true
		}
	}
	return false
}

// cloudProfile is how the lead speaks of one cloud the built-in brain
// writes Terraform for.
type cloudProfile struct {
	Label, Architect, DesignPath string
	DBWhat, BucketWhat, Example  string
}

// CloudProfiles are the clouds by key (aws, gcp, azure).
var CloudProfiles = map[string]cloudProfile{
	"aws": {Label: "AWS", Architect: kit.AWSArchitectMode, DesignPath: kit.AWSDesignPath,
		DBWhat: "RDS PostgreSQL in private subnets", BucketWhat: "a private S3 bucket for uploads",
		Example: "\"deploy the API to AWS with a Postgres database\" (App Runner, ECR, RDS, GitHub OIDC) or \"add an S3 bucket for uploads\""},
	"gcp": {Label: "Google Cloud", Architect: kit.GCPArchitectMode, DesignPath: kit.GCPDesignPath,
		DBWhat: "Cloud SQL PostgreSQL with IAM authentication", BucketWhat: "a Cloud Storage bucket for uploads (uniform access, public access prevention)",
		Example: "\"deploy the API to Cloud Run with a Postgres database\" or \"add a GCS bucket for uploads\""},
	"azure": {Label: "Azure", Architect: kit.AzureArchitectMode, DesignPath: kit.AzureDesignPath,
		DBWhat: "a private PostgreSQL flexible server with Entra ID authentication", BucketWhat: "a private storage account for uploads",
		Example: "\"host the API on Azure Container Apps with a Postgres database\" or \"add Azure storage for uploads\""},
}
