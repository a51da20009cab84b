package infra

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// CloudInfra is what the Terraform templates of a cloud are rendered
// from; the lead's task Params decide it (cloud=aws|gcp,
// compute=apprunner|cloudrun|"", database=postgres|"", bucket=true|false,
// name, port, dir).
type CloudInfra struct {
	Cloud          string
	Name           string
	TFVersion      string
	AWSVersion     string
	GoogleVersion  string
	AzurermVersion string
	PostgresMajor  string // from images.yaml, as local Compose uses
	// Compute is one of the cloud's computesOf, or "" (no service:
	// storage only).
	Compute string
	// K8sName is the Kubernetes name of the service (its Deployment and
	// ServiceAccount, written by the kubernetes specialist) when Compute
	// is a cluster.
	K8sName string
	// K8sNamespace is the namespace the manifests deploy to ("default",
	// or "production" for the kustomize overlay), from
	// Params["k8s_namespace"].
	K8sNamespace string
	// HealthPath is the service's health endpoint ("/" when none is
	// known), for load balancer health checks.
	HealthPath string
	Postgres   bool
	Bucket     bool
	Port       int
}

// infraFile is one file of a root and the condition under which it is
// written.
type infraFile struct {
	Name string
	When func(*CloudInfra) bool
}

// CloudFiles are the files of a root per cloud, in order.
var CloudFiles = map[string][]infraFile{"aws": awsFiles, "gcp": gcpFiles, "azure": azureFiles}

// ComputesOf are the ways of running a service each cloud's templates
// write; the first is the default.
var ComputesOf = map[string][]string{
	"aws":   {"apprunner", "ecs", "eks"},
	"gcp":   {"cloudrun", "gke"},
	"azure": {"containerapps", "aks", "appservice"},
}

// Cluster reports whether the root creates a Kubernetes cluster.
func (a *CloudInfra) Cluster() bool { return kit.ClusterComputes[a.Compute] }

// is reports whether the root's compute is c (for the file conditions).
func is(c string) func(*CloudInfra) bool { return func(a *CloudInfra) bool { return a.Compute == c } }

// hasCompute reports whether the root runs the service.
func hasCompute(a *CloudInfra) bool { return a.Compute != "" }

// azureFiles are the files of an Azure root. The network is always there:
// storage and the database are reached through it only.
var azureFiles = []infraFile{
	{"versions.tf", always},
	{"providers.tf", always},
	{"variables.tf", always},
	{"outputs.tf", always},
	{"main.tf", always},
	{"network.tf", always},
	{"acr.tf", hasCompute},
	{"identity.tf", hasCompute},
	{"containerapp.tf", is("containerapps")},
	{"aks.tf", is("aks")},
	{"appservice.tf", is("appservice")},
	{"storage.tf", func(a *CloudInfra) bool { return a.Bucket }},
	{"postgres.tf", func(a *CloudInfra) bool { return a.Postgres }},
	{"terraform.tfvars.example", always},
}

// gcpFiles are the files of a Google Cloud root.
var gcpFiles = []infraFile{
	{"versions.tf", always},
	{"providers.tf", always},
	{"variables.tf", always},
	{"outputs.tf", func(a *CloudInfra) bool { return a.Compute != "" || a.Bucket || a.Postgres }},
	{"network.tf", is("gke")},
	{"artifact_registry.tf", hasCompute},
	{"cloudrun.tf", is("cloudrun")},
	{"gke.tf", is("gke")},
	{"workload_identity.tf", hasCompute},
	{"gcs.tf", func(a *CloudInfra) bool { return a.Bucket }},
	{"cloudsql.tf", func(a *CloudInfra) bool { return a.Postgres }},
	{"terraform.tfvars.example", always},
}

// awsFiles are the files of an AWS root.
var awsFiles = []infraFile{
	{"versions.tf", always},
	{"providers.tf", always},
	{"variables.tf", always},
	{"outputs.tf", func(a *CloudInfra) bool { return a.Compute != "" || a.Bucket || a.Postgres }},
	{"network.tf", func(a *CloudInfra) bool { return a.Postgres || a.Compute == "ecs" || a.Compute == "eks" }},
	{"ecr.tf", hasCompute},
	{"apprunner.tf", is("apprunner")},
	{"alb.tf", is("ecs")},
	{"ecs.tf", is("ecs")},
	{"eks.tf", is("eks")},
	{"github_oidc.tf", hasCompute},
	{"s3.tf", func(a *CloudInfra) bool { return a.Bucket }},
	{"rds.tf", func(a *CloudInfra) bool { return a.Postgres }},
	{"terraform.tfvars.example", always},
}

func always(*CloudInfra) bool { return true }

var (
	reNameChars  = regexp.MustCompile(`[^a-z0-9-]+`)
	reHealthPath = regexp.MustCompile(`^/[A-Za-z0-9/_.-]{0,100}$`)
)

// InfraName turns a service name into a resource name prefix: lower case
// letters, digits and hyphens, starting with a letter, at most 20 bytes.
func InfraName(s string) string {
	n := strings.Trim(reNameChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(n) > 20 {
		n = strings.Trim(n[:20], "-")
	}
	if n == "" || n[0] < 'a' || n[0] > 'z' {
		n = strings.Trim("app-"+n, "-")
	}
	return n
}

// infraFor reads the task's Params.
func infraFor(in engine.WorkInput) (*CloudInfra, error) {
	pr := in.Task.Params
	c := pr["cloud"]
	if CloudFiles[c] == nil {
		return nil, fmt.Errorf("the built-in infrastructure specialist writes Terraform for aws, gcp and azure, and task %q asks for cloud %q; plan it for one of those or set GEMINI_API_KEY to use the Gemini brain", in.Task.ID, c)
	}
	pg, err := kit.PostgresMajor()
	if err != nil {
		return nil, err
	}
	a := &CloudInfra{
		Cloud:          c,
		Name:           InfraName(pr["name"]),
		TFVersion:      kit.TFVersions["terraform"].Constraint,
		AWSVersion:     kit.TFVersions["aws"].Constraint,
		GoogleVersion:  kit.TFVersions["google"].Constraint,
		AzurermVersion: kit.TFVersions["azurerm"].Constraint,
		PostgresMajor:  pg,
		Postgres:       pr["database"] == "postgres",
		Bucket:         pr["bucket"] == "true",
		Port:           8080,
	}
	switch cp := pr["compute"]; {
	case cp == "" || cp == "none":
	case kit.Contains(ComputesOf[c], cp):
		a.Compute = cp
	default:
		return nil, fmt.Errorf("task %q asks for compute %q on %s: the built-in infrastructure specialist writes compute=%s; other ways of running need the Gemini brain", in.Task.ID, cp, c, strings.Join(ComputesOf[c], "|"))
	}
	if a.Postgres && a.Compute == "" {
		return nil, fmt.Errorf("task %q asks for a database without a service to use it: set compute=%s, or plan the database with the Gemini brain", in.Task.ID, ComputesOf[c][0])
	}
	if a.Cluster() {
		a.K8sName = kit.K8sName(pr["k8s_name"])
		if pr["k8s_name"] == "" {
			a.K8sName = kit.K8sName(pr["name"])
		}
		if a.K8sName == "" {
			a.K8sName = a.Name
		}
		a.K8sNamespace = pr["k8s_namespace"]
		if a.K8sNamespace == "" {
			a.K8sNamespace = "default"
		}
		if !cicd.ReK8sNamespace.MatchString(a.K8sNamespace) {
			return nil, fmt.Errorf("task %q has k8s_namespace %q: give a Kubernetes namespace name (lower case letters, digits and hyphens)", in.Task.ID, a.K8sNamespace)
		}
	}
	a.HealthPath = "/"
	if hp := pr["health_path"]; hp != "" {
		if !reHealthPath.MatchString(hp) {
			return nil, fmt.Errorf("task %q has health_path %q: give an absolute URL path such as /healthz", in.Task.ID, hp)
		}
		a.HealthPath = hp
	}
	if p := pr["port"]; p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("task %q has port %q: give a number from 1 to 65535", in.Task.ID, p)
		}
		a.Port = n
	}
	return a, nil
}

// providerOf names each cloud's provider.
var providerOf = map[string]string{"aws": "aws", "gcp": "google", "azure": "azurerm"}

// Work is the infrastructure specialist: an AWS, GCP or Azure Terraform root in
// Params["dir"] (default infra). Files that already exist are kept: a
// root that already pins its providers or configures the aws provider
// gets no versions.tf or providers.tf, variables and outputs it already
// declares are not declared again, and a new file whose name is taken is
// written as <cloud>_<name>.tf. A root that pins other providers only gets
// <cloud>_versions.tf with this cloud's provider (Terraform merges
// required_providers blocks).
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	a, err := infraFor(in)
	if err != nil {
		return nil, err
	}
	dir := path.Clean(in.Task.Params["dir"])
	if dir == "." && in.Task.Params["dir"] == "" {
		dir = "infra"
	}
	if !kit.SafePath(dir) || !fs.ValidPath(dir) {
		return nil, fmt.Errorf("task %q has dir %q: give a relative path inside the repository", in.Task.ID, in.Task.Params["dir"])
	}
	ex, err := readRoot(in.Workspace, dir)
	if err != nil {
		return nil, err
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	for _, f := range CloudFiles[a.Cloud] {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !f.When(a) || (f.Name == "versions.tf" && ex.pinned[providerOf[a.Cloud]]) || (f.Name == "providers.tf" && ex.providers[providerOf[a.Cloud]]) {
			continue
		}
		content, err := templates.Render(a.Cloud+"/"+f.Name+".tmpl", a)
		if err != nil {
			return nil, err
		}
		name := f.Name
		if strings.HasSuffix(name, ".tf") {
			if content, err = dropDeclared(name, content, ex); err != nil {
				return nil, err
			}
			if len(strings.TrimSpace(string(content))) == 0 {
				continue
			}
			if ex.files[name] {
				name = a.Cloud + "_" + name
			}
		}
		p := kit.JoinPath(dir, name)
		if kit.Exists(in.Workspace, p) {
			return nil, fmt.Errorf("%s exists and the Terraform root also has %s: rename one of them so the %s files can be added", p, f.Name, a.Cloud)
		}
		cs.Put(p, content, nil, "")
	}
	if (dir == "infra" || strings.HasPrefix(dir, "infra/") || dir == "terraform" || strings.HasPrefix(dir, "terraform/")) && !ex.files["README.md"] {
		readme, err := templates.Render(a.Cloud+"/README.md.tmpl", struct {
			*CloudInfra
			Dir   string
			Files []string
		}{a, dir, changedNames(cs, dir)})
		if err != nil {
			return nil, err
		}
		cs.Put(kit.JoinPath(dir, "README.md"), readme, nil, "")
	}
	return cs, nil
}

// changedNames lists the base names of the ChangeSet's files.
func changedNames(cs *change.ChangeSet, dir string) []string {
	var out []string
	for _, f := range cs.Files {
		out = append(out, strings.TrimPrefix(f.Path, dir+"/"))
	}
	sort.Strings(out)
	return out
}

// tfRoot is what an existing Terraform root declares.
type tfRoot struct {
	files         map[string]bool // base names present
	pinned        map[string]bool // providers in a required_providers block
	providers     map[string]bool // provider blocks by name
	vars, outputs map[string]bool
	// uses are the providers the root uses: pinned, configured, or the
	// prefix of a resource or data source type (aws_s3_bucket → aws).
	uses map[string]bool
}

// readRoot reads the .tf files of dir, if any.
func readRoot(ws fs.FS, dir string) (*tfRoot, error) {
	r := &tfRoot{files: map[string]bool{}, vars: map[string]bool{}, outputs: map[string]bool{}, providers: map[string]bool{}, pinned: map[string]bool{}, uses: map[string]bool{}}
	if ws == nil {
		return r, nil
	}
	entries, err := fs.ReadDir(ws, dir)
	if err != nil {
		return r, nil // no such directory: a new root
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		r.files[e.Name()] = true
		if !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		p := kit.JoinPath(dir, e.Name())
		src, err := kit.ReadOptional(ws, p)
		if err != nil {
			return nil, fmt.Errorf("read the existing Terraform file %s: %w", p, err)
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("the existing Terraform file %s does not parse (%s): fix it first, then ask again", p, diags.Error())
		}
		body, ok := f.Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		for _, b := range body.Blocks {
			switch {
			case b.Type == "terraform":
				for _, inner := range b.Body.Blocks {
					if inner.Type == "required_providers" {
						for name := range inner.Body.Attributes {
							r.pinned[name] = true
						}
					}
				}
			case b.Type == "provider" && len(b.Labels) == 1:
				r.providers[b.Labels[0]] = true
			case b.Type == "variable" && len(b.Labels) == 1:
				r.vars[b.Labels[0]] = true
			case b.Type == "output" && len(b.Labels) == 1:
				r.outputs[b.Labels[0]] = true
			case (b.Type == "resource" || b.Type == "data") && len(b.Labels) == 2:
				if prefix, _, ok := strings.Cut(b.Labels[0], "_"); ok {
					r.uses[prefix] = true
				}
			}
		}
	}
	for p := range r.pinned {
		r.uses[p] = true
	}
	for p := range r.providers {
		r.uses[p] = true
	}
	return r, nil
}

// dropDeclared removes variable and output blocks the root already
// declares and formats the file as terraform fmt does.
func dropDeclared(name string, content []byte, ex *tfRoot) ([]byte, error) {
	f, diags := hclwrite.ParseConfig(content, name, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("template %s renders HCL that does not parse (%s); this is a bug in devops-lead", name, diags.Error())
	}
	for _, b := range f.Body().Blocks() {
		l := b.Labels()
		if len(l) == 1 && ((b.Type() == "variable" && ex.vars[l[0]]) || (b.Type() == "output" && ex.outputs[l[0]])) {
			f.Body().RemoveBlock(b)
		}
	}
	out := hclwrite.Format(f.Bytes())
	out = regexp.MustCompile(`\n{3,}`).ReplaceAll(out, []byte("\n\n"))
	return append([]byte(strings.Trim(string(out), "\n")), '\n'), nil
}
