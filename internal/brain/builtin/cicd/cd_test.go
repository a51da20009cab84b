package cicd

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/mode"
	"github.com/devops-lead/devops-lead/internal/validate"
)

const (
	cdCDKJSON     = `{"app":"npx ts-node --prefer-ts-exts bin/app.ts"}`
	cdCDKPkg      = `{"name":"infra","private":true,"devDependencies":{"aws-cdk":"2.170.0","ts-node":"10.9.2","typescript":"5.6.3"},"dependencies":{"aws-cdk-lib":"2.170.0","constructs":"10.4.2"}}`
	cdDeployProd  = "name: Deploy production\n\n# Runs when a release is published.\non:\n  release:\n    types: [published]\n  workflow_dispatch:\n\npermissions:\n  contents: read\n  id-token: write\n\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    timeout-minutes: 30\n    steps:\n      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1\n        with:\n          persist-credentials: false\n      - run: ./scripts/deploy.sh production\n"
	cdDeployProdP = ".github/workflows/deployProd.yml"
)

func cdAzdFiles() map[string]string {
	return map[string]string{
		"azure.yaml":                 "name: todo\nservices:\n  web:\n    project: ./src/web\n    language: js\n    host: appservice\n",
		"infra/main.bicep":           "targetScope = 'subscription'\nparam environmentName string\nparam location string\n",
		"infra/main.parameters.json": `{"parameters":{}}`,
		"src/web/package.json":       `{"name":"web","scripts":{"build":"vite build"}}`,
		"src/web/package-lock.json":  `{"lockfileVersion":3}`,
	}
}

// cdCheck is the house check of a cd workflow devops-lead writes: cxCheck
// with a concurrency group and id-token: write only on the deploy job.
func cdCheck(t *testing.T, p string, content []byte, m *mode.Mode) {
	t.Helper()
	cxCheck(t, p, content, m, cxRules{
		write:       func(_, id, k string) bool { return id == "deploy" && k == "id-token" },
		onlyWriters: true,
		concurrency: true,
	})
}

func runCDCases(t *testing.T, cases []cxCase) { runCXCasesWith(t, cases, cdCheck) }

func TestCICDContinuousDeploy(t *testing.T) {
	withFiles := func(base map[string]string, extra ...string) map[string]string {
		return kittest.CIWithFiles(base, extra...)
	}
	cdk := map[string]string{
		"cdk.json": cdCDKJSON, "package.json": cdCDKPkg, "package-lock.json": `{"lockfileVersion":3}`,
		"bin/app.ts": "import * as cdk from 'aws-cdk-lib';\nnew cdk.App();\n", "tsconfig.json": "{}",
	}
	sls := map[string]string{
		"serverless.yml":                "service: api\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: handler.hello\n",
		"package.json":                  `{"name":"api","private":true,"devDependencies":{"serverless":"^3.39.0"}}`,
		"yarn.lock":                     "# yarn lockfile v1\n",
		"handler.js":                    "module.exports.hello = async () => ({ statusCode: 200 });\n",
		".git/refs/remotes/origin/HEAD": "ref: refs/remotes/origin/trunk\n",
	}
	release := map[string]string{"package.json": `{"name":"site","scripts":{"build":"vite build"}}`, "package-lock.json": `{"lockfileVersion":3}`, cdDeployProdP: cdDeployProd, "scripts/deploy.sh": "#!/bin/sh\n"}
	runCDCases(t, []cxCase{
		{
			name:   "cdk app with npm",
			files:  cdk,
			params: map[string]string{"workflows": "cd", "tool": "cdk"},
			only:   []string{CDKDeployPath},
			want: map[string][]string{CDKDeployPath: {
				"npm ci", "run: npx cdk synth", "run: npx cdk deploy --all --require-approval never",
				"aws-actions/configure-aws-credentials@b47578312673ae6fa5b5096b330d9fbac3d116df # v4.2.1",
				"role-to-assume: ${{ vars.AWS_ROLE_ARN }}", "aws-region: ${{ vars.AWS_REGION }}",
				"id-token: write", "branches: [main]", "pull_request:", "if: github.event_name == 'pull_request'",
				"group: deploy-cdk-"}},
			absent: map[string][]string{CDKDeployPath: {"working-directory", "secrets."}},
			note:   []string{"aws-cdk 2.170.0", "cdk.context.json"},
		},
		{
			name: "cdk app in infra/ with pnpm",
			files: map[string]string{
				"infra/cdk.json": cdCDKJSON, "infra/package.json": strings.Replace(cdCDKPkg, `"private":true`, `"private":true,"packageManager":"pnpm@9.12.0"`, 1),
				"infra/pnpm-lock.yaml": "lockfileVersion: '9.0'\n", "infra/bin/app.ts": "export {}\n",
			},
			params: map[string]string{"workflows": "cd", "tool": "cdk", "tool_dir": "infra"},
			want: map[string][]string{CDKDeployPath: {"pnpm install --frozen-lockfile", "run: pnpm exec cdk synth",
				"run: pnpm exec cdk deploy --all --require-approval never", "working-directory: infra"}},
		},
		{
			name:   "serverless v3 with yarn on trunk",
			files:  sls,
			params: map[string]string{"workflows": "cd", "tool": "serverless"},
			only:   []string{ServerlessDeployPath},
			want: map[string][]string{ServerlessDeployPath: {
				`yarn serverless deploy --stage "$STAGE"`, `yarn serverless package --stage "$STAGE"`,
				"STAGE: ${{ vars.STAGE || 'prod' }}", "branches: [trunk]", "role-to-assume: ${{ vars.AWS_ROLE_ARN }}"}},
			absent: map[string][]string{ServerlessDeployPath: {"SERVERLESS_ACCESS_KEY"}},
		},
		{
			name: "serverless v4 (serverless.ts) needs its access key",
			files: withFiles(sls, "serverless.yml", "", "package.json", `{"name":"api","devDependencies":{"serverless":"4.4.7"}}`,
				"serverless.ts", "export default { service: 'api' };\n"),
			params: map[string]string{"workflows": "cd", "tool": "serverless"},
			want: map[string][]string{ServerlessDeployPath: {"SERVERLESS_ACCESS_KEY: ${{ secrets.SERVERLESS_ACCESS_KEY }}",
				"github.event.pull_request.head.repo.full_name == github.repository"}},
			note: []string{"SERVERLESS_ACCESS_KEY"},
		},
		{
			name:   "azd project with infra/main.bicep",
			files:  cdAzdFiles(),
			params: map[string]string{"workflows": "cd", "tool": "azd"},
			only:   []string{AzdDeployPath},
			want: map[string][]string{AzdDeployPath: {
				"Azure/setup-azd@c495e71ba59e44bfaaac10a32c8ee90d191ca4a3 # v2.2.1",
				"azure/login@a457da9ea143d694b1b9c7c869ebb04ebe844ef5 # v2.3.0",
				`azd auth login --client-id "$AZURE_CLIENT_ID" --federated-credential-provider github --tenant-id "$AZURE_TENANT_ID"`,
				"run: azd provision --no-prompt", "run: azd deploy --no-prompt",
				"AZURE_ENV_NAME: ${{ vars.AZURE_ENV_NAME }}", "AZURE_LOCATION: ${{ vars.AZURE_LOCATION }}",
				"AZURE_SUBSCRIPTION_ID: ${{ vars.AZURE_SUBSCRIPTION_ID }}", "cancel-in-progress: false"}},
			absent: map[string][]string{AzdDeployPath: {"pull_request", "secrets."}},
			note:   []string{"nothing runs on pull requests"},
		},
		{
			name:     "release-only deploy workflow patched to run on pushes",
			files:    release,
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			only:     []string{cdDeployProdP},
			want: map[string][]string{cdDeployProdP: {
				"on:\n  push:\n    branches: [main]\n  release:\n    types: [published]\n  workflow_dispatch:\n",
				"# Runs when a release is published.", "concurrency:\n  group: ${{ github.workflow }}\n  cancel-in-progress: false\n\njobs:"}},
			note: []string{"every other trigger is kept", "concurrency"},
		},
		{
			name:     "on: release as one word",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "on:\n  release:\n    types: [published]\n  workflow_dispatch:\n", "on: release # published ones\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"on: # published ones\n  release:\n  push:\n    branches: [main]\n"}},
		},
		{
			name: "push on tags gets the branch, concurrency kept",
			files: withFiles(release, cdDeployProdP, strings.Replace(strings.Replace(cdDeployProd, "  release:\n    types: [published]\n", "  push:\n    tags: ['v*']\n", 1),
				"jobs:", "concurrency:\n  group: prod\n\njobs:", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"  push:\n    branches: [main]\n    tags: ['v*']\n"}},
			absent:   map[string][]string{cdDeployProdP: {"github.workflow"}},
		},
		{
			name:     "push branches list gets the default branch",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "  release:\n    types: [published]\n", "  push:\n    branches:\n      - prod\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"    branches:\n      - prod\n      - main\n"}},
		},
		{
			name:     "already runs on pushes to the default branch: unchanged",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "  workflow_dispatch:\n", "  push:\n    branches: [main]\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			only:     []string{},
			note:     []string{cdDeployProdP + " already runs on pushes to main, so it is left as it is"},
		},
		{
			name:     "on: as a one-line list",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "on:\n  release:\n    types: [published]\n  workflow_dispatch:\n", "on: [release, workflow_dispatch]\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"on:\n  release:\n  workflow_dispatch:\n  push:\n    branches: [main]\n"}},
		},
		{
			name:     "push branches as a flow list",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "  release:\n    types: [published]\n", "  push:\n    branches: [prod, 'release/*']  # deploy branches\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"    branches: [prod, 'release/*', main]  # deploy branches\n"}},
		},
		{
			name:     "jobs that read the release are noted",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "./scripts/deploy.sh production", "./scripts/deploy.sh \"$TAG\"\n        env:\n          TAG: ${{ github.event.release.tag_name }}", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			want:     map[string][]string{cdDeployProdP: {"branches: [main]"}},
			note:     []string{"github.event.release"},
		},
		{
			name:     "on: as a flow mapping is refused, naming the file",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "on:\n  release:\n    types: [published]\n  workflow_dispatch:\n", "on: {release: {types: [published]}}\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			err:      cdDeployProdP + " is not patched: its on: block is written as a flow mapping",
		},
		{
			name:     "push with branches-ignore of the default branch is refused",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "  workflow_dispatch:\n", "  push:\n    branches-ignore: [main]\n", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			err:      "branches-ignore",
		},
		{
			name:     "a deploy workflow with no permissions is not auto-fixed",
			files:    withFiles(release, cdDeployProdP, strings.Replace(cdDeployProd, "permissions:\n  contents: read\n  id-token: write\n\n", "", 1)),
			params:   map[string]string{"workflows": "cd", "tool": "workflow", "workflow": cdDeployProdP},
			declared: []string{cdDeployProdP},
			err:      "fails the gate",
		},
		{
			name: "an existing workflow deploys the cdk app on push: kept",
			files: withFiles(cdk, ".github/workflows/cdk.yml", "name: cdk\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n"+
				"      - run: npx cdk deploy --all\n"),
			params: map[string]string{"workflows": "cd", "tool": "cdk"},
			only:   []string{},
			note:   []string{".github/workflows/cdk.yml already deploys with it on pushes to main and is kept"},
		},
		{
			name: "an existing workflow deploys the cdk app on release only: use tool=workflow",
			files: withFiles(cdk, ".github/workflows/cdk.yml", "name: cdk\non:\n  release:\npermissions:\n  contents: read\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n"+
				"      - run: npx cdk deploy --all\n"),
			params: map[string]string{"workflows": "cd", "tool": "cdk"},
			err:    "tool=workflow with workflow=.github/workflows/cdk.yml",
		},
		{name: "no tool", files: cdk, params: map[string]string{"workflows": "cd"}, err: "needs params tool"},
		{name: "unknown tool", files: cdk, params: map[string]string{"workflows": "cd", "tool": "pulumi"}, err: `params tool is "pulumi"`},
		{name: "tool without cd", files: cdk, params: map[string]string{"workflows": "ci", "tool": "cdk"}, err: "add cd to params workflows"},
		{name: "tool_dir escapes", files: cdk, params: map[string]string{"workflows": "cd", "tool": "cdk", "tool_dir": "../x"}, err: "not a relative directory"},
		{name: "workflow outside .github/workflows", files: cdk, params: map[string]string{"workflows": "cd", "tool": "workflow", "workflow": "deploy.yml"}, err: "not a workflow file"},
		{name: "workflow with tool=cdk", files: cdk, params: map[string]string{"workflows": "cd", "tool": "cdk", "workflow": cdDeployProdP}, err: "for tool=workflow"},
		{name: "no cdk.json", files: sls, params: map[string]string{"workflows": "cd", "tool": "cdk"}, err: "needs cdk.json in ."},
		{name: "azd config elsewhere", files: cdAzdFiles(), params: map[string]string{"workflows": "cd", "tool": "azd", "tool_dir": "src/web"}, err: "needs azure.yaml or azure.yml in src/web"},
		{
			name:   "cdk without the CLI in package.json",
			files:  withFiles(cdk, "package.json", `{"name":"infra","dependencies":{"aws-cdk-lib":"2.170.0"}}`),
			params: map[string]string{"workflows": "cd", "tool": "cdk"},
			err:    "does not list aws-cdk",
		},
		{
			name:   "cdk app with no package.json (Python)",
			files:  map[string]string{"cdk.json": `{"app":"python3 app.py"}`, "app.py": "import aws_cdk\n", "requirements.txt": "aws-cdk-lib==2.170.0\n"},
			params: map[string]string{"workflows": "cd", "tool": "cdk"},
			err:    "has no package.json",
		},
	})
}

// The patch case passes the engine's change policy only when the task
// names the workflow, and stays within its line budget.
func TestCDTriggerPatchPolicy(t *testing.T) {
	fsys := kittest.CIMapFS(map[string]string{cdDeployProdP: cdDeployProd})
	out, notes, err := cdPatchTrigger(cdDeployProdP, []byte(cdDeployProd), "main")
	if err != nil || out == nil {
		t.Fatalf("patch: %v", err)
	}
	if err := engine.Minimal([]byte(cdDeployProd), out); err != nil {
		t.Errorf("not minimal: %v", err)
	}
	if len(notes) == 0 {
		t.Errorf("no notes")
	}
	cs := change.New("cd", kit.CICDMode)
	cs.Put(cdDeployProdP, out, []byte(cdDeployProd), strings.Join(notes, "; "))
	if f := engine.CheckPolicy(fsys, engine.Task{ID: "cd", Mode: kit.CICDMode}, nil, cs); len(f) == 0 {
		t.Errorf("the policy accepts the patch from a task that does not name the workflow")
	}
	if f := engine.CheckPolicy(fsys, engine.Task{ID: "cd", Mode: kit.CICDMode, Files: []string{cdDeployProdP}}, nil, cs); len(f) != 0 {
		t.Errorf("the policy refuses the declared patch: %v", f)
	}
	if errs := validate.Errors(validate.CheckFile(cdDeployProdP, out, validate.Options{})); len(errs) > 0 {
		t.Errorf("gate: %v", errs)
	}
	// CRLF line ends stay CRLF.
	crlf := strings.ReplaceAll(cdDeployProd, "\n", "\r\n")
	out, _, err = cdPatchTrigger(cdDeployProdP, []byte(crlf), "main")
	if err != nil || !strings.Contains(string(out), "\r\n  push:\r\n    branches: [main]\r\n") || strings.Contains(strings.ReplaceAll(string(out), "\r\n", ""), "\n") {
		t.Errorf("CRLF patch = %q, %v", out, err)
	}
}

func TestCDToolOf(t *testing.T) {
	cases := []struct {
		name      string
		files     []string
		tool, dir string
	}{
		{"none", []string{"package.json", "src/index.ts"}, "", ""},
		{"cdk at the root", []string{"cdk.json", "package.json"}, "cdk", "."},
		{"cdk one level down", []string{"package.json", "infra/cdk.json"}, "cdk", "infra"},
		{"two levels down is not looked at", []string{"a/b/cdk.json"}, "", ""},
		{"serverless.ts", []string{"api/serverless.ts"}, "serverless", "api"},
		{"azd", []string{"azure.yaml", "infra/main.bicep"}, "azd", "."},
		{"root wins over a subdirectory", []string{"infra/cdk.json", "azure.yaml"}, "azd", "."},
		{"cdk before serverless at the same level", []string{"b/serverless.yml", "c/cdk.json"}, "cdk", "c"},
		{"node_modules is not the project", []string{"node_modules/cdk.json"}, "", ""},
	}
	for _, c := range cases {
		tool, dir := CDToolOf(nil, c.files)
		if tool != c.tool || dir != c.dir {
			t.Errorf("%s: cdToolOf = %q, %q; want %q, %q", c.name, tool, dir, c.tool, c.dir)
		}
	}
	// With no file list, the workspace is read.
	tool, dir := CDToolOf(kittest.CIMapFS(cdAzdFiles()), nil)
	if tool != "azd" || dir != "." {
		t.Errorf("cdToolOf(workspace) = %q, %q", tool, dir)
	}
}

func TestCDDeployWorkflow(t *testing.T) {
	ci := "name: CI\non: [push, pull_request]\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"release-only deploy", map[string]string{".github/workflows/ci.yml": ci, cdDeployProdP: cdDeployProd}, cdDeployProdP},
		{"deploy already on push", map[string]string{cdDeployProdP: strings.Replace(cdDeployProd, "  workflow_dispatch:\n", "  push:\n    branches: [main]\n", 1)}, ""},
		{"tags-only push deploy", map[string]string{cdDeployProdP: strings.Replace(cdDeployProd, "  release:\n    types: [published]\n", "  push:\n    tags: ['v*']\n", 1)}, cdDeployProdP},
		{"a release that only publishes", map[string]string{".github/workflows/release.yml": "on:\n  release:\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n"}, ""},
		{"maven deploy is publishing", map[string]string{".github/workflows/release.yml": "on:\n  release:\njobs:\n  p:\n    runs-on: ubuntu-latest\n    steps:\n      - run: mvn -B deploy\n"}, ""},
		{"the PyPI starter's deploy job publishes", map[string]string{".github/workflows/python-publish.yml": "on:\n  release:\n    types: [published]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: python -m build\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"}, ""},
		{"a deploy on pull requests too is not one", map[string]string{cdDeployProdP: strings.Replace(cdDeployProd, "  workflow_dispatch:\n", "  pull_request:\n", 1)}, ""},
		{"a reusable deploy is called, not patched", map[string]string{cdDeployProdP: strings.Replace(cdDeployProd, "  release:\n    types: [published]\n  workflow_dispatch:\n", "  workflow_call:\n", 1)}, ""},
	}
	for _, c := range cases {
		var paths []string
		for p := range c.files {
			paths = append(paths, p)
		}
		if got := CDDeployWorkflow(kittest.CIMapFS(c.files), paths); got != c.want {
			t.Errorf("%s: cdDeployWorkflow = %q, want %q", c.name, got, c.want)
		}
	}
}

// The check of a trigger patch refuses a result that drops or changes
// what the workflow had.
func TestCDVerifyTriggerRefuses(t *testing.T) {
	good, _, err := cdPatchTrigger(cdDeployProdP, []byte(cdDeployProd), "main")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, after, why string }{
		{"drops a trigger", strings.Replace(string(good), "  workflow_dispatch:\n", "", 1), "drop its workflow_dispatch"},
		{"changes a trigger", strings.Replace(string(good), "[published]", "[created]", 1), "change its release trigger"},
		{"changes a job", strings.Replace(string(good), "deploy.sh production", "deploy.sh staging", 1), "change its jobs"},
		{"loses a comment", strings.Replace(string(good), "# Runs when a release is published.\n", "", 1), "lose the comment"},
		{"adds another trigger", strings.Replace(string(good), "  workflow_dispatch:\n", "  workflow_dispatch:\n  schedule:\n    - cron: '0 0 * * *'\n", 1), "add a schedule trigger"},
		{"not on the branch", strings.Replace(string(good), "branches: [main]", "branches: [prod]", 1), "still does not run"},
	}
	for _, c := range cases {
		err := cdVerifyTrigger(cdDeployProdP, []byte(cdDeployProd), []byte(cdDeployProd), []byte(c.after), "main")
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: err = %v, want one saying %q", c.name, err, c.why)
		}
	}
	if err := cdVerifyTrigger(cdDeployProdP, []byte(cdDeployProd), []byte(cdDeployProd), good, "main"); err != nil {
		t.Errorf("the good patch is refused: %v", err)
	}
}

// Whatever form on: takes, the trigger patch returns a patch, a note or
// an error, never a panic, and a patch always runs on the branch.
func FuzzCDPatchTrigger(f *testing.F) {
	for _, on := range []string{
		"on: release\n", "on: [release, workflow_dispatch]\n", "on:\n  release:\n    types: [published]\n",
		"on:\n  push:\n    tags: ['v*']\n", "on:\n  push:\n    branches: [prod]\n", "on:\n  push:\n    branches:\n    - prod\n",
		"on: {release: {}}\n", "on:\n  - release\n", "'on': release\n", "on: \"release\"\n", "on:\n  push:\n    branches: prod\n",
		"on:\n  push:\n    branches: [prod,\n      x]\n", "on: [release,\n  workflow_dispatch]\n",
	} {
		f.Add(on)
	}
	jobs := "permissions:\n  contents: read\njobs:\n  d:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: ./deploy.sh\n"
	f.Fuzz(func(t *testing.T, on string) {
		src := []byte(on + jobs)
		out, notes, err := cdPatchTrigger(".github/workflows/d.yml", src, "main")
		if err != nil || out == nil {
			if err == nil && len(notes) == 0 {
				t.Errorf("no patch, no note, no error for %q", on)
			}
			return
		}
		if !cdRunsOnPushText(string(out), "main") {
			t.Errorf("patched %q does not run on main:\n%s", on, out)
		}
	})
}
