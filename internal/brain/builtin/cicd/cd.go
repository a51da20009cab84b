package cicd

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// The workflows the CI/CD specialist writes for continuous deployment with
// a repository's own deploy tool (Params["workflows"] contains "cd").
const (
	CDKDeployPath        = ".github/workflows/deploy-cdk.yml"
	ServerlessDeployPath = ".github/workflows/deploy-serverless.yml"
	AzdDeployPath        = ".github/workflows/deploy-azd.yml"
)

// cdParams is what a cd task asks for: Params["tool"] (cdk, serverless,
// azd or workflow), Params["tool_dir"] (the directory of the tool's
// configuration, "." by default) and, for tool=workflow,
// Params["workflow"] (the existing deploy workflow to run on pushes).
type cdParams struct {
	Tool, Dir, Workflow string
}

// cdConfigs are the configuration files of each tool, in order of
// preference.
var cdConfigs = map[string][]string{
	"cdk":        {"cdk.json"},
	"serverless": {"serverless.yml", "serverless.yaml", "serverless.ts", "serverless.js", "serverless.json"},
	"azd":        {"azure.yaml", "azure.yml"},
}

// cdToolOrder is the order cdToolOf tries the tools in.
var cdToolOrder = []string{"cdk", "serverless", "azd"}

// ciParseCD reads the cd task's parameters; they are refused on a task
// that does not ask for the cd workflow.
func ciParseCD(task string, params map[string]string, cd bool) (cdParams, error) {
	p := cdParams{
		Tool:     strings.ToLower(strings.TrimSpace(params["tool"])),
		Dir:      strings.TrimSpace(params["tool_dir"]),
		Workflow: strings.TrimSpace(params["workflow"]),
	}
	if !cd {
		for _, k := range []string{"tool", "tool_dir", "workflow"} {
			if strings.TrimSpace(params[k]) != "" {
				return p, fmt.Errorf("task %s: params %s is for the cd workflow; add cd to params workflows", task, k)
			}
		}
		return p, nil
	}
	switch p.Tool {
	case "cdk", "serverless", "azd":
		if p.Workflow != "" {
			return p, fmt.Errorf("task %s: params workflow is for tool=workflow, not tool=%s", task, p.Tool)
		}
	case "workflow":
		if p.Dir != "" {
			return p, fmt.Errorf("task %s: params tool_dir is for tool cdk, serverless or azd, not tool=workflow", task)
		}
		w := path.Clean(strings.TrimPrefix(p.Workflow, "./"))
		ext := path.Ext(w)
		if p.Workflow == "" || !strings.HasPrefix(w, ciWorkflowDir+"/") || strings.Count(w, "/") != 2 || (ext != ".yml" && ext != ".yaml") || !ciDirRE.MatchString(w) {
			return p, fmt.Errorf("task %s: params workflow %q is not a workflow file (.github/workflows/<name>.yml); tool=workflow needs the existing deploy workflow to run on pushes", task, p.Workflow)
		}
		p.Workflow = w
		return p, nil
	case "":
		return p, fmt.Errorf("task %s: the cd workflow needs params tool (cdk, serverless, azd or workflow)", task)
	default:
		return p, fmt.Errorf("task %s: params tool is %q; the cd workflow knows cdk, serverless, azd and workflow", task, p.Tool)
	}
	if p.Dir == "" {
		p.Dir = "."
	}
	p.Dir = path.Clean(strings.TrimPrefix(p.Dir, "./"))
	if p.Dir != "." && (!ciDirRE.MatchString(p.Dir) || strings.Contains(p.Dir, "..")) {
		return p, fmt.Errorf("task %s: params tool_dir %q is not a relative directory", task, p.Dir)
	}
	return p, nil
}

// CDToolOf finds the deploy tool a repository already uses from its files
// (slash paths from the root; when empty, the workspace is read): cdk.json
// (cdk), serverless.yml/.yaml/.ts/.js/.json (serverless) or azure.yaml
// (azd), at the root or one directory down. The root wins over a
// subdirectory, then cdk over serverless over azd, then the first
// directory by name. It returns "" and "" when there is none. dir is "."
// for the root.
func CDToolOf(ws fs.FS, files []string) (tool, dir string) {
	if len(files) == 0 && ws != nil {
		entries, _ := fs.ReadDir(ws, ".")
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, e.Name())
				continue
			}
			if strings.HasPrefix(e.Name(), ".") || e.Name() == "node_modules" {
				continue
			}
			sub, _ := fs.ReadDir(ws, e.Name())
			for _, s := range sub {
				if !s.IsDir() {
					files = append(files, e.Name()+"/"+s.Name())
				}
			}
		}
	}
	have := map[string]bool{}
	var dirs []string
	for _, f := range files {
		f = path.Clean(strings.TrimPrefix(f, "./"))
		if strings.Count(f, "/") > 1 || strings.HasPrefix(f, ".") && f != "." || strings.HasPrefix(f, "node_modules/") {
			continue
		}
		have[f] = true
		if d := path.Dir(f); !have["dir:"+d] {
			have["dir:"+d] = true
			dirs = append(dirs, d)
		}
	}
	sort.Slice(dirs, func(i, j int) bool {
		if (dirs[i] == ".") != (dirs[j] == ".") {
			return dirs[i] == "."
		}
		return dirs[i] < dirs[j]
	})
	for _, root := range []bool{true, false} {
		for _, t := range cdToolOrder {
			for _, d := range dirs {
				if (d == ".") != root {
					continue
				}
				for _, c := range cdConfigs[t] {
					if have[path.Join(d, c)] {
						return t, d
					}
				}
			}
		}
	}
	return "", ""
}

// cdDeployCmdRE finds, in a workflow, a step that deploys with a tool.
var cdDeployCmdRE = map[string]*regexp.Regexp{
	"cdk":        regexp.MustCompile(`\bcdk\b[^\n]*\bdeploy\b`),
	"serverless": regexp.MustCompile(`\b(serverless|sls)\b[^\n]*\bdeploy\b|serverless/github-action`),
	"azd":        regexp.MustCompile(`\bazd (deploy|up)\b`),
}

// ciWriteCD writes the continuous-deployment workflow of a cd task: one
// that deploys with the repository's own tool on pushes to the default
// branch, or, for tool=workflow, the existing deploy workflow patched in
// place to also run on those pushes.
func ciWriteCD(in engine.WorkInput, p ciParams, existing []ciExisting, cs *change.ChangeSet) error {
	if p.CDSpec.Tool == "workflow" {
		return cdWriteTriggerPatch(in, p.Branch, p.CDSpec.Workflow, cs)
	}
	dir, cfg, err := cdConfig(in, p.CDSpec)
	if err != nil {
		return err
	}
	for _, e := range existing {
		if !cdDeployCmdRE[p.CDSpec.Tool].MatchString(e.content) || dir != "." && !strings.Contains(e.content, dir) {
			continue
		}
		if cdRunsOnPushText(e.content, p.Branch) {
			cdNote(cs, fmt.Sprintf("no %s deploy workflow added: %s already deploys with it on pushes to %s and is kept", p.CDSpec.Tool, e.Path, p.Branch))
			return nil
		}
		return fmt.Errorf("task %s: %s already deploys with %s but not on pushes to %s; ask for tool=workflow with workflow=%s (and that path in the task's files) to make it run on those pushes instead of adding a second deploy", in.Task.ID, e.Path, p.CDSpec.Tool, p.Branch, e.Path)
	}
	switch p.CDSpec.Tool {
	case "cdk", "serverless":
		return cdWriteNode(in, p, dir, cfg, cs)
	default:
		return cdWriteAzd(in, p, dir, cfg, cs)
	}
}

// cdConfig checks that the tool's configuration is in the task's
// directory and returns that directory and the file.
func cdConfig(in engine.WorkInput, p cdParams) (string, string, error) {
	for _, c := range cdConfigs[p.Tool] {
		f := path.Join(p.Dir, c)
		if in.Workspace != nil && workspace.Exists(in.Workspace, f) {
			return p.Dir, f, nil
		}
	}
	return "", "", fmt.Errorf("task %s: tool %s needs %s in %s, and there is none; name the directory of the tool's configuration in params tool_dir",
		in.Task.ID, p.Tool, strings.Join(cdConfigs[p.Tool], " or "), p.Dir)
}

// cdTarget is where a new workflow goes: its name, or beside a file of
// that name a person wrote.
func cdTarget(ws fs.FS, p string) string {
	if ws != nil && workspace.Exists(ws, p) {
		return strings.TrimSuffix(p, ".yml") + "-devops-lead.yml"
	}
	return p
}

// cdPackageJSON is what the cd workflows read from package.json.
type cdPackageJSON struct {
	ciPackageJSON
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

// dep returns the version range the package.json gives a package.
func (p cdPackageJSON) dep(name string) (string, bool) {
	if v, ok := p.DevDependencies[name]; ok {
		return v, true
	}
	v, ok := p.Dependencies[name]
	return v, ok
}

var cdMajorRE = regexp.MustCompile(`[0-9]+`)

// cdExec is how a package manager runs a dependency's command.
var cdExec = map[string]string{"npm": "npx", "pnpm": "pnpm exec", "yarn": "yarn", "bun": "bunx"}

// cdWriteNode writes the CDK or Serverless workflow: install with the
// project's package manager, then on pull requests cdk synth (or
// serverless package) without credentials, and on pushes to the default
// branch deploy with AWS credentials from GitHub OIDC.
func cdWriteNode(in engine.WorkInput, p ciParams, dir, cfg string, cs *change.ChangeSet) error {
	tool := p.CDSpec.Tool
	s := ciWorkerNode(in.Repo, dir)
	if s == nil {
		return fmt.Errorf("task %s: %s has no package.json at or above %s; the workflow runs the %s CLI the project pins in its package.json, so add one with the CLI in devDependencies first", in.Task.ID, cfg, dir, tool)
	}
	c := &ciSvc{ws: in.Workspace, s: *s}
	if c.s.Dir == "" {
		c.s.Dir = "."
	}
	var pkg cdPackageJSON
	if err := json.Unmarshal(c.read("package.json"), &pkg); err != nil {
		return fmt.Errorf("task %s: %s does not parse: %w", in.Task.ID, path.Join(c.s.Dir, "package.json"), err)
	}
	if c.s.Dir != dir {
		// A package.json beside the configuration, below a workspace
		// root, may be where the CLI is.
		var own cdPackageJSON
		if b, err := workspace.ReadFile(in.Workspace, path.Join(dir, "package.json"), 0); err == nil && json.Unmarshal(b, &own) == nil {
			for k, v := range own.DevDependencies {
				if pkg.DevDependencies == nil {
					pkg.DevDependencies = map[string]string{}
				}
				pkg.DevDependencies[k] = v
			}
		}
	}
	cli := map[string]string{"cdk": "aws-cdk", "serverless": "serverless"}[tool]
	version, ok := pkg.dep(cli)
	if !ok {
		return fmt.Errorf("task %s: %s does not list %s in its dependencies; the workflow runs the CLI the project pins, so add %s to devDependencies first", in.Task.ID, path.Join(c.s.Dir, "package.json"), cli, cli)
	}
	steps, _, err := cxSetupSteps(c)
	if err != nil {
		return err
	}
	setup := cxFrom(steps)
	if c.s.Dir != "." {
		for i := range setup {
			if setup[i].Run != "" {
				setup[i].Dir = kit.YAMLScalar(c.s.Dir)
			}
		}
	}
	pm := ciNodePM(c, pkg.ciPackageJSON)
	exec := cdExec[pm] + " " + map[string]string{"cdk": "cdk", "serverless": "serverless"}[tool]
	notes := append([]string(nil), c.notes...)
	checkout, err := ciCheckout()
	if err != nil {
		return err
	}
	aws, err := ciUses("aws-actions/configure-aws-credentials")
	if err != nil {
		return err
	}
	run := func(name, cmd string) cxStep {
		st := cxRun(name, cmd)
		if dir != "." {
			st.Dir = kit.YAMLScalar(dir)
		}
		return st
	}
	base := func() []cxStep { return append(cxFrom([]ciStep{checkout}), setup...) }
	creds := cxStep{Name: "Configure AWS credentials (OIDC)", Uses: aws,
		With: ciWith("role-to-assume", "${{ vars.AWS_ROLE_ARN }}", "aws-region", "${{ vars.AWS_REGION }}")}
	var check, deploy cxJob
	var env []ciKV
	checkIf := "github.event_name == 'pull_request'"
	comments := []string{}
	label := map[string]string{"cdk": "CDK", "serverless": "Serverless"}[tool]
	switch tool {
	case "cdk":
		check = cxJob{ID: "synth", Name: "CDK synth", Timeout: 20, Steps: append(base(), run("Synthesize", exec+" synth"))}
		deploy = cxJob{ID: "deploy", Name: "CDK deploy", Timeout: 60, Steps: append(base(), creds, run("Deploy every stack", exec+" deploy --all --require-approval never"))}
		comments = []string{
			fmt.Sprintf("Deploys the CDK app of %s (cdk deploy --all) on each push to %s,", cfg, p.Branch),
			"and synthesizes it (cdk synth, no AWS credentials) on pull requests.",
			"Set the repository variables AWS_ROLE_ARN (a role GitHub OIDC may assume, in an",
			"account and region cdk bootstrap has prepared) and AWS_REGION.",
		}
		notes = append(notes, "cdk synth on pull requests runs without AWS credentials: context lookups (fromLookup) must be cached in cdk.context.json")
	case "serverless":
		env = []ciKV{{Key: "STAGE", Value: "${{ vars.STAGE || 'prod' }}"}}
		check = cxJob{ID: "package", Name: "Serverless package", Timeout: 20, Steps: append(base(), run("Package", exec+` package --stage "$STAGE"`))}
		deploy = cxJob{ID: "deploy", Name: "Serverless deploy", Timeout: 60, Steps: append(base(), creds, run("Deploy", exec+` deploy --stage "$STAGE"`))}
		comments = []string{
			fmt.Sprintf("Deploys the Serverless service of %s on each push to %s,", cfg, p.Branch),
			"and packages it (serverless package, no AWS credentials) on pull requests.",
			"Set the repository variables AWS_ROLE_ARN (a role GitHub OIDC may assume) and",
			"AWS_REGION, and STAGE when the stage is not prod.",
		}
		if m := cdMajorRE.FindString(version); m == "" || len(m) > 1 || m >= "4" {
			// Serverless Framework v4 logs in for every command.
			key := ciKV{Key: "SERVERLESS_ACCESS_KEY", Value: "${{ secrets.SERVERLESS_ACCESS_KEY }}"}
			check.Env = []ciKV{key}
			deploy.Env = []ciKV{key}
			checkIf += " && github.event.pull_request.head.repo.full_name == github.repository"
			comments = append(comments, "Serverless Framework v4 needs the repository secret SERVERLESS_ACCESS_KEY; pull requests from forks are not packaged.")
			notes = append(notes, fmt.Sprintf("package.json has serverless %s, which logs in for every command: create the repository secret SERVERLESS_ACCESS_KEY (pull requests from forks get no secret, so their package job is skipped)", version))
		}
		notes = append(notes, "serverless package on pull requests runs without AWS credentials: a configuration that resolves ${ssm:...} or ${cf:...} variables needs them, and then fails there")
	}
	check.If = checkIf
	check.Env = append(env, check.Env...)
	deploy.If = "github.event_name != 'pull_request'"
	deploy.Env = append(env, deploy.Env...)
	deploy.Permissions = []ciKV{{Key: "contents", Value: "read"}, {Key: "id-token", Value: "write"}}
	data := cxWorkflow{
		Name:             "Deploy (" + label + ")",
		Comments:         comments,
		On:               []string{"push:", "  branches: [" + kit.YAMLScalar(p.Branch) + "]", "pull_request:", "workflow_dispatch:"},
		Group:            "deploy-" + tool + "-${{ github.event_name == 'pull_request' && github.ref || 'deploy' }}",
		CancelInProgress: "${{ github.event_name == 'pull_request' }}",
		Jobs:             []cxJob{check, deploy},
	}
	out, err := templates.Render("jobs.yml.tmpl", data)
	if err != nil {
		return err
	}
	head := fmt.Sprintf("deploys with the project's own %s CLI (%s %s, installed with %s) on pushes to %s, AWS credentials from GitHub OIDC (repository variables AWS_ROLE_ARN and AWS_REGION); deploys never overlap (one concurrency group), pull requests only build",
		label, cli, version, pm, p.Branch)
	target := cdTarget(in.Workspace, map[string]string{"cdk": CDKDeployPath, "serverless": ServerlessDeployPath}[tool])
	cs.Put(target, out, nil, strings.Join(ciDedupe(append([]string{head}, notes...)), "; "))
	return nil
}

// cdWriteAzd writes the Azure Developer CLI workflow: on pushes to the
// default branch it logs azd in with GitHub OIDC, provisions and deploys.
// azd provision --preview needs Azure credentials too, so pull requests
// get no job.
func cdWriteAzd(in engine.WorkInput, p ciParams, dir, cfg string, cs *change.ChangeSet) error {
	checkout, err := ciCheckout()
	if err != nil {
		return err
	}
	setup, err := ciUses("Azure/setup-azd")
	if err != nil {
		return err
	}
	login, err := ciUses("azure/login")
	if err != nil {
		return err
	}
	job := cxJob{
		ID: "deploy", Name: "azd deploy", Timeout: 60,
		Permissions: []ciKV{{Key: "contents", Value: "read"}, {Key: "id-token", Value: "write"}},
		Env: []ciKV{
			{Key: "AZURE_CLIENT_ID", Value: "${{ vars.AZURE_CLIENT_ID }}"},
			{Key: "AZURE_TENANT_ID", Value: "${{ vars.AZURE_TENANT_ID }}"},
			{Key: "AZURE_SUBSCRIPTION_ID", Value: "${{ vars.AZURE_SUBSCRIPTION_ID }}"},
			{Key: "AZURE_ENV_NAME", Value: "${{ vars.AZURE_ENV_NAME }}"},
			{Key: "AZURE_LOCATION", Value: "${{ vars.AZURE_LOCATION }}"},
		},
		Steps: []cxStep{
			cxFrom([]ciStep{checkout})[0],
			{Name: "Install azd", Uses: setup},
			{Name: "Azure login (OIDC)", Uses: login, With: ciWith(
				"client-id", "${{ vars.AZURE_CLIENT_ID }}", "tenant-id", "${{ vars.AZURE_TENANT_ID }}",
				"subscription-id", "${{ vars.AZURE_SUBSCRIPTION_ID }}")},
			cxRun("Log azd in (federated credential)", `azd auth login --client-id "$AZURE_CLIENT_ID" --federated-credential-provider github --tenant-id "$AZURE_TENANT_ID"`),
			cxRun("Provision", "azd provision --no-prompt"),
			cxRun("Deploy", "azd deploy --no-prompt"),
		},
	}
	if dir != "." {
		job.Dir = kit.YAMLScalar(dir)
	}
	data := cxWorkflow{
		Name: "Deploy (azd)",
		Comments: []string{
			fmt.Sprintf("Provisions and deploys the azd project of %s on each push to %s.", cfg, p.Branch),
			"Set the repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_SUBSCRIPTION_ID",
			"(an app registration with a federated credential for this repository's branch),",
			"AZURE_ENV_NAME and AZURE_LOCATION; azd pipeline config sets them all.",
		},
		On:               []string{"push:", "  branches: [" + kit.YAMLScalar(p.Branch) + "]", "workflow_dispatch:"},
		Group:            "deploy-azd",
		CancelInProgress: "false",
		Jobs:             []cxJob{job},
	}
	out, err := templates.Render("jobs.yml.tmpl", data)
	if err != nil {
		return err
	}
	notes := []string{
		fmt.Sprintf("runs azd provision and azd deploy --no-prompt for %s on pushes to %s, logged in with GitHub OIDC (repository variables AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_ENV_NAME, AZURE_LOCATION); deploys never overlap", cfg, p.Branch),
		"provision runs first because a fresh runner has no azd environment: it creates it from AZURE_ENV_NAME and AZURE_LOCATION and reads the resources' outputs, which azd deploy needs; re-applying unchanged infrastructure leaves the resources as they are",
		"nothing runs on pull requests: azd provision --preview needs Azure credentials, which a pull request from a fork must not get",
	}
	cs.Put(cdTarget(in.Workspace, AzdDeployPath), out, nil, strings.Join(notes, "; "))
	return nil
}
