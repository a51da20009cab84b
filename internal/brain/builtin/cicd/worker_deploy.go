package cicd

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// WorkerDeployPath is where the CI/CD specialist writes the workflow that
// deploys an existing Cloudflare Worker (Params["workflows"] contains
// "worker").
const WorkerDeployPath = ".github/workflows/deploy-worker.yml"

// ciWranglerFiles are the configuration files of a Worker, in Wrangler's
// order of preference.
var ciWranglerFiles = []string{"wrangler.jsonc", "wrangler.json", "wrangler.toml"}

// ciWranglerDeployRE finds, in a workflow, a step that deploys a Worker.
var ciWranglerDeployRE = regexp.MustCompile(`cloudflare/wrangler-action|wrangler (deploy|publish)|wrangler@\S* (deploy|publish)`)

// ciParseWorkerDir reads Params["worker_dir"]: a relative directory
// ("." for the root); empty is resolved from the repository when there
// is one Worker.
func ciParseWorkerDir(task, dir string, worker bool) (string, error) {
	dir = strings.TrimSpace(dir)
	if dir == "" {
		return "", nil
	}
	if !worker {
		return "", fmt.Errorf("task %s: params worker_dir is for the worker workflow; add worker to params workflows", task)
	}
	dir = path.Clean(strings.TrimPrefix(dir, "./"))
	if dir != "." && (!ciDirRE.MatchString(dir) || strings.Contains(dir, "..")) {
		return "", fmt.Errorf("task %s: params worker_dir %q is not a relative directory", task, dir)
	}
	return dir, nil
}

// ciWorkerDir finds the Worker's directory: the one the task names, or
// the only directory with a Wrangler configuration.
func ciWorkerDir(in engine.WorkInput, dir string) (string, string, error) {
	if dir == "" {
		dirs := map[string]bool{}
		if in.Repo != nil {
			for _, f := range in.Repo.Artifacts.Wrangler {
				dirs[path.Dir(f)] = true
			}
		}
		for _, f := range ciWranglerFiles {
			if in.Workspace != nil && workspace.Exists(in.Workspace, f) {
				dirs["."] = true
			}
		}
		var list []string
		for d := range dirs {
			list = append(list, d)
		}
		sort.Strings(list)
		switch len(list) {
		case 0:
			return "", "", fmt.Errorf("task %s asks for a workflow that deploys the existing Worker, but the repository has no wrangler.toml, wrangler.json or wrangler.jsonc; plan a Worker task to write one first", in.Task.ID)
		case 1:
			dir = list[0]
		default:
			return "", "", fmt.Errorf("task %s: the repository has several Workers (%s); name the one to deploy in params worker_dir", in.Task.ID, strings.Join(list, ", "))
		}
	}
	for _, f := range ciWranglerFiles {
		if in.Workspace != nil && workspace.Exists(in.Workspace, path.Join(dir, f)) {
			return dir, path.Join(dir, f), nil
		}
	}
	return "", "", fmt.Errorf("task %s: %s has no wrangler.toml, wrangler.json or wrangler.jsonc", in.Task.ID, dir)
}

// ciWorkerNode returns the Node unit the Worker installs from: the one in
// its directory, else the nearest one above it (a workspace root); nil
// when the Worker has no package.json.
func ciWorkerNode(repo *stack.Repo, dir string) *stack.Service {
	if repo == nil {
		return nil
	}
	for d := dir; ; d = path.Dir(d) {
		for i := range repo.Services {
			s := &repo.Services[i]
			sd := s.Dir
			if sd == "" {
				sd = "."
			}
			if sd == d && s.Language == stack.Node {
				return s
			}
		}
		if d == "." || d == "/" {
			return nil
		}
	}
}

var ciWranglerEnvRE = regexp.MustCompile(`(?m)^\s*\[env\.([A-Za-z0-9_-]+)[\].]`)

// ciWriteWorkerDeploy writes deploy-worker.yml: on pushes to the default
// branch it deploys the existing Worker with cloudflare/wrangler-action
// (the API token and the account id from repository secrets), and on pull
// requests it runs wrangler deploy --dry-run, which needs no secret. A
// workflow that deploys it already is kept, with a note.
func ciWriteWorkerDeploy(in engine.WorkInput, p ciParams, existing []ciExisting, cs *change.ChangeSet) error {
	dir, cfg, err := ciWorkerDir(in, p.WorkerDir)
	if err != nil {
		return err
	}
	for _, e := range existing {
		if ciWranglerDeployRE.MatchString(e.content) && (dir == "." || strings.Contains(e.content, dir)) {
			return ciNoteOnCI(cs, fmt.Sprintf("no Worker deploy workflow added: %s already deploys with Wrangler and is kept", e.Path), nil)
		}
	}
	target := WorkerDeployPath
	if in.Workspace != nil && workspace.Exists(in.Workspace, target) {
		target = ".github/workflows/deploy-worker-devops-lead.yml"
	}
	checkout, err := ciCheckout()
	if err != nil {
		return err
	}
	var setup []cxStep
	var notes []string
	pm := ""
	if s := ciWorkerNode(in.Repo, dir); s != nil {
		c := &ciSvc{ws: in.Workspace, s: *s}
		if c.s.Dir == "" {
			c.s.Dir = "."
		}
		steps, _, err := cxSetupSteps(c)
		if err != nil {
			return err
		}
		setup = cxFrom(steps)
		if c.s.Dir != "." {
			for i := range setup {
				if setup[i].Run != "" {
					setup[i].Dir = kit.YAMLScalar(c.s.Dir)
				}
			}
		}
		var pkg ciPackageJSON
		_ = json.Unmarshal(c.read("package.json"), &pkg) // a bad package.json: the lock files decide
		pm = ciNodePM(c, pkg)
		notes = append(notes, c.notes...)
		notes = append(notes, fmt.Sprintf("installs %s's dependencies with %s first, so the Wrangler version the project pins is the one that deploys", c.s.Dir, pm))
	} else {
		notes = append(notes, "the Worker has no package.json, so wrangler-action installs its own Wrangler")
	}
	with := func(cmd string, secrets bool) []ciKV {
		var w []string
		if secrets {
			w = append(w, "apiToken", "${{ secrets.CLOUDFLARE_API_TOKEN }}", "accountId", "${{ secrets.CLOUDFLARE_ACCOUNT_ID }}")
		}
		if dir != "." {
			w = append(w, "workingDirectory", dir)
		}
		if pm != "" {
			w = append(w, "packageManager", pm)
		}
		return ciWith(append(w, "command", cmd)...)
	}
	uses, err := ciUses("cloudflare/wrangler-action")
	if err != nil {
		return err
	}
	job := func(id, name, cond, cmd string, secrets bool) cxJob {
		steps := append([]cxStep{cxFrom([]ciStep{checkout})[0]}, setup...)
		steps = append(steps, cxStep{Name: kit.YAMLScalar(name), Uses: uses, With: with(cmd, secrets)})
		return cxJob{ID: id, Name: kit.YAMLScalar(name), If: cond, Timeout: 15, Steps: steps}
	}
	check := job("check", "Wrangler dry run", "github.event_name == 'pull_request'", "deploy --dry-run", false)
	deploy := job("deploy", "Deploy the Worker", "github.event_name != 'pull_request'", "deploy", true)
	data := cxWorkflow{
		Name: "Deploy Worker",
		Comments: []string{
			fmt.Sprintf("Deploys the Cloudflare Worker configured in %s on each push to %s,", cfg, p.Branch),
			"and checks that it bundles (wrangler deploy --dry-run) on pull requests.",
			"Create the repository secrets CLOUDFLARE_API_TOKEN (a token from the",
			"\"Edit Cloudflare Workers\" template) and CLOUDFLARE_ACCOUNT_ID.",
		},
		On:               []string{"push:", "  branches: [" + kit.YAMLScalar(p.Branch) + "]", "pull_request:", "workflow_dispatch:"},
		Group:            "deploy-worker-${{ github.ref }}",
		CancelInProgress: "${{ github.event_name == 'pull_request' }}",
		Jobs:             []cxJob{check, deploy},
	}
	if b, err := workspace.ReadFile(in.Workspace, cfg, 0); err == nil {
		var envs []string
		for _, m := range ciWranglerEnvRE.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(envs, m[1]) {
				envs = append(envs, m[1])
			}
		}
		if len(envs) > 0 {
			notes = append(notes, fmt.Sprintf("%s names the environments %s; the workflow deploys the top-level Worker: add environment: <name> to the deploy step's with: to deploy one of them", cfg, strings.Join(envs, ", ")))
		}
	}
	out, err := templates.Render("jobs.yml.tmpl", data)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("deploys the existing Worker in %s with cloudflare/wrangler-action on pushes to %s (secrets CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID) and runs wrangler deploy --dry-run on pull requests", dir, p.Branch)
	cs.Put(target, out, nil, strings.Join(ciDedupe(append([]string{head}, notes...)), "; "))
	return nil
}
