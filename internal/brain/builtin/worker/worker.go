package worker

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/cicd"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// workerEnvs are the named environments every Worker gets, in deploy
// order.
var workerEnvs = []string{"staging", "production"}

// wkBinding is one binding of the Worker.
type wkBinding struct {
	Kind, Binding, Resource, TSType, Doc string
}

// wkBindingSet is the bindings of one wrangler.toml environment; Prefix is
// the table prefix ("" at the top level, "env.staging.").
type wkBindingSet struct {
	Env, Prefix       string
	KV, R2, D1, Queue []wkBinding
}

// wkData is what the worker templates render.
type wkData struct {
	Name, Path, Branch, Node string
	Wrangler, WranglerSource string
	CompatDate, CompatSource string
	Checkout, SetupNode      string
	Bindings                 []wkBinding
	Envs                     struct {
		Dev   wkBindingSet
		Named []wkBindingSet
	}
	Jobs []struct{ Env, Needs string }
}

var (
	wkBlankRuns = regexp.MustCompile(`\n{3,}`)
	wkNameRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,50}[a-z0-9]$|^[a-z0-9]$`)
	wkBindingRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
)

// wkKinds maps a bindings kind to its TypeScript type and a description.
var wkKinds = map[string][2]string{
	"kv":    {"KVNamespace", "Workers KV namespace"},
	"r2":    {"R2Bucket", "R2 bucket"},
	"d1":    {"D1Database", "D1 database"},
	"queue": {"Queue", "Queue producer"},
}

// Work is the Cloudflare Workers specialist: a Worker under
// workers/<name>/ that proxies to the origin (wrangler.toml with staging
// and production environments, src/index.ts, package.json) and a
// deploy-worker workflow that runs the pinned Wrangler.
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	name := in.Task.Params["name"]
	if name == "" {
		name = "edge"
	}
	if !wkNameRE.MatchString(name) {
		return nil, fmt.Errorf("task %s: name=%q is not a Worker name: use 1 to 52 lowercase letters, digits and dashes, not starting or ending with a dash", in.Task.ID, name)
	}
	bindings, err := wkParseBindings(in.Task.ID, in.Task.Params["bindings"])
	if err != nil {
		return nil, err
	}
	d, err := wkDataFor(in, name, bindings)
	if err != nil {
		return nil, err
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	dir := path.Join("workers", name)
	files := []struct{ tmpl, path, note string }{
		{"wrangler.toml.tmpl", path.Join(dir, "wrangler.toml"), wkTomlNote(bindings)},
		{"index.ts.tmpl", path.Join(dir, "src", "index.ts"), "proxies every request to ORIGIN (set it in wrangler.toml [vars]); run `wrangler types` for the runtime types"},
		{"package.json.tmpl", path.Join(dir, "package.json"), "pins wrangler " + wranglerVersion + " for local dev (npm install, npm run dev)"},
		{"deploy.yml.tmpl", d.Path, "deploys to staging, then production after the environment's reviewers approve; set the secret CLOUDFLARE_API_TOKEN and the variable CLOUDFLARE_ACCOUNT_ID, and add required reviewers to the production environment"},
	}
	var kept []string
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if kit.Exists(in.Workspace, f.path) {
			kept = append(kept, f.path)
			continue
		}
		out, err := templates.Render(f.tmpl, d)
		if err != nil {
			return nil, err
		}
		out = append(bytes.TrimRight(wkBlankRuns.ReplaceAll(out, []byte("\n\n")), "\n"), '\n')
		cs.Put(f.path, out, nil, f.note)
	}
	if len(kept) > 0 {
		for _, f := range cs.Files {
			f.Note += "; kept the existing " + strings.Join(kept, ", ") + " (not overwritten): check it matches"
		}
	}
	return cs, nil
}

// wkDataFor assembles the template data.
func wkDataFor(in engine.WorkInput, name string, bindings []wkBinding) (wkData, error) {
	checkout, err := pins.Action("actions/checkout")
	if err != nil {
		return wkData{}, fmt.Errorf("the deploy workflow needs actions/checkout from the pin table: %w", err)
	}
	setupNode, err := pins.Action("actions/setup-node")
	if err != nil {
		return wkData{}, fmt.Errorf("the deploy workflow needs actions/setup-node from the pin table: %w", err)
	}
	tbl, err := kit.LoadImages()
	if err != nil {
		return wkData{}, err
	}
	node := tbl.Languages["node"].DefaultVersion
	if node == "" {
		return wkData{}, fmt.Errorf("images.yaml has no node default_version for the deploy workflow's Node")
	}
	branch := in.Task.Params["branch"]
	if branch == "" || !cicd.CIBranchRE.MatchString(branch) || strings.Contains(branch, "..") {
		branch = cicd.CIDefaultBranch(in.Workspace, nil)
	}
	d := wkData{
		Name: name, Path: ".github/workflows/deploy-worker-" + name + ".yml", Branch: branch, Node: node,
		Wrangler: wranglerVersion, WranglerSource: wranglerSource,
		CompatDate: workerCompatDate, CompatSource: workerCompatSource,
		Checkout: checkout.Uses(), SetupNode: setupNode.Uses(), Bindings: bindings,
	}
	d.Envs.Dev = wkEnvBindings(name, "", bindings)
	for i, env := range workerEnvs {
		d.Envs.Named = append(d.Envs.Named, wkEnvBindings(name, env, bindings))
		job := struct{ Env, Needs string }{Env: env}
		if i > 0 {
			job.Needs = workerEnvs[i-1]
		}
		d.Jobs = append(d.Jobs, job)
	}
	return d, nil
}

// wkParseBindings reads "kv:CACHE,r2:UPLOADS,d1:DB,queue:JOBS".
func wkParseBindings(task, spec string) ([]wkBinding, error) {
	var out []wkBinding
	seen := map[string]bool{"ORIGIN": true}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, b, ok := strings.Cut(item, ":")
		kind = strings.ToLower(strings.TrimSpace(kind))
		b = strings.TrimSpace(b)
		k, known := wkKinds[kind]
		switch {
		case !ok || !known:
			return nil, fmt.Errorf("task %s: binding %q must be kind:NAME with kind kv, r2, d1 or queue", task, item)
		case !wkBindingRE.MatchString(b):
			return nil, fmt.Errorf("task %s: binding name %q must be a JavaScript identifier (letters, digits, _)", task, b)
		case seen[b]:
			return nil, fmt.Errorf("task %s: binding name %s is used twice (ORIGIN is taken by the origin URL)", task, b)
		}
		seen[b] = true
		out = append(out, wkBinding{Kind: kind, Binding: b, TSType: k[0], Doc: k[1] + " binding"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Binding < out[j].Binding })
	return out, nil
}

// wkEnvBindings names each binding's resource for one environment:
// <worker>-<binding>[-<env>], lowercase with dashes.
func wkEnvBindings(worker, env string, bindings []wkBinding) wkBindingSet {
	set := wkBindingSet{Env: env}
	if env != "" {
		set.Prefix = "env." + env + "."
	}
	for _, b := range bindings {
		r := worker + "-" + strings.ReplaceAll(strings.ToLower(b.Binding), "_", "-")
		if env != "" {
			r += "-" + env
		}
		r = strings.Trim(strings.ReplaceAll(r, "--", "-"), "-")
		if len(r) > 63 {
			r = strings.TrimRight(r[:63], "-")
		}
		b.Resource = r
		switch b.Kind {
		case "kv":
			set.KV = append(set.KV, b)
		case "r2":
			set.R2 = append(set.R2, b)
		case "d1":
			set.D1 = append(set.D1, b)
		case "queue":
			set.Queue = append(set.Queue, b)
		}
	}
	return set
}

// wkTomlNote says what a person must create for the bindings.
func wkTomlNote(bindings []wkBinding) string {
	note := "compatibility_date " + workerCompatDate + " is " + workerCompatSource + "; staging and production environments each declare their own bindings"
	var todo []string
	for _, b := range bindings {
		switch b.Kind {
		case "kv":
			todo = append(todo, "create the KV namespaces for "+b.Binding+" (wrangler kv namespace create) and paste their ids")
		case "d1":
			todo = append(todo, "create the D1 databases for "+b.Binding+" (wrangler d1 create) and paste their ids")
		case "r2":
			todo = append(todo, "create the R2 buckets for "+b.Binding+" (wrangler r2 bucket create)")
		case "queue":
			todo = append(todo, "create the queues for "+b.Binding+" (wrangler queues create)")
		}
	}
	if len(todo) > 0 {
		note += "; " + strings.Join(todo, "; ")
	}
	return note
}
