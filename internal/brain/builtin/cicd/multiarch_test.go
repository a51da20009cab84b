package cicd

import (
	"strings"
	"testing"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/engine"
)

// ciHumanImageWorkflow is an image workflow a person wrote: unpinned
// actions, no permissions block, comments, a build-push step.
const ciHumanImageWorkflow = `name: docker

on:
  push:
    branches: [main]
    tags: ['v*']

# Builds and pushes the image.
jobs:
  docker:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      packages: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: docker/login-action@v3
        with:
          registry: ghcr.io
          username: ${{ github.actor }}
          password: ${{ secrets.GITHUB_TOKEN }}
      # The image is tagged with the commit.
      - name: Build
        uses: docker/build-push-action@v6
        with:
          context: .
          push: true
          tags: ghcr.io/${{ github.repository }}:${{ github.sha }}
`

// ciPinnedImageWorkflow passes the gate: pinned, with permissions, and
// Buildx already set up.
const ciPinnedImageWorkflow = `name: image
on:
  push:
    branches: [main]
permissions:
  contents: read
concurrency:
  group: image-${{ github.ref }}
  cancel-in-progress: false
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    permissions:
      contents: read
      packages: write
    steps:
      - uses: actions/checkout@8e8c483db84b4bee98b60c0593521ed34d9990e8 # v6.0.1
        with:
          persist-credentials: false
      - uses: docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435 # v3.11.1
      - uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0
`

func ciNodeFiles(extra map[string]string) map[string]string {
	files := map[string]string{
		"package.json":      `{"name":"web","main":"server.js","scripts":{"start":"node server.js","test":"node --test"}}`,
		"package-lock.json": `{"lockfileVersion":3}`,
		"server.js":         "require('http').createServer().listen(3000)\n",
		"Dockerfile":        "FROM node:22-bookworm-slim\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	return files
}

func TestCICDMultiArch(t *testing.T) {
	runCXCases(t, []cxCase{
		{
			name:   "new image workflow, two platforms",
			dir:    "../../../cli/testdata/repos/existing",
			params: map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"},
			only:   []string{ImageWorkflowPath},
			want: map[string][]string{ImageWorkflowPath: {"docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392 # v3.6.0",
				"platforms: linux/amd64,linux/arm64", "docker/setup-buildx-action@", "timeout-minutes: 60"}},
		},
		{
			name:   "one platform, amd64: no emulation",
			files:  ciNodeFiles(nil),
			params: map[string]string{"workflows": "image", "platforms": "linux/amd64"},
			want:   map[string][]string{ImageWorkflowPath: {"platforms: linux/amd64"}},
			absent: map[string][]string{ImageWorkflowPath: {"setup-qemu-action"}},
		},
		{
			name:   "no platforms: the image workflow is as before",
			files:  ciNodeFiles(nil),
			params: map[string]string{"workflows": "image"},
			absent: map[string][]string{ImageWorkflowPath: {"setup-qemu-action", "platforms:"}},
		},
		{
			name:     "a person's image workflow: pinned, permissions, QEMU, Buildx and platforms, patched in place",
			files:    ciNodeFiles(map[string]string{".github/workflows/docker.yml": ciHumanImageWorkflow}),
			params:   map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"},
			declared: []string{".github/workflows/docker.yml"},
			only:     []string{".github/workflows/docker.yml"},
			want: map[string][]string{".github/workflows/docker.yml": {
				"# Builds and pushes the image.", "# The image is tagged with the commit.",
				"      - name: Set up QEMU\n        uses: docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392 # v3.6.0\n" +
					"      - name: Set up Buildx\n        uses: docker/setup-buildx-action@e468171a9de216ec08956ac3ada2f0791b6bd435 # v3.11.1\n" +
					"      # The image is tagged with the commit.\n      - name: Build\n",
				"        with:\n          platforms: linux/amd64,linux/arm64\n          context: .\n",
				"docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0",
				"actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"}},
			note: []string{"adds a docker/setup-qemu-action step", "pins actions/checkout@v4"},
		},
		{
			name:     "a pinned image workflow with Buildx: QEMU and a new with: block",
			files:    ciNodeFiles(map[string]string{".github/workflows/image.yml": ciPinnedImageWorkflow}),
			params:   map[string]string{"workflows": "image", "platforms": "linux/arm64"},
			declared: []string{".github/workflows/image.yml"},
			want: map[string][]string{".github/workflows/image.yml": {
				"      - name: Set up QEMU\n        uses: docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392 # v3.6.0\n      - uses: docker/setup-buildx-action@",
				"      - uses: docker/build-push-action@263435318d21b8e681c14492fe198d362a7d2c83 # v6.18.0\n        with:\n          platforms: linux/arm64\n"}},
			absent: map[string][]string{".github/workflows/image.yml": {"Set up Buildx"}},
		},
		{
			name:     "CRLF line endings are kept",
			files:    ciNodeFiles(map[string]string{".github/workflows/image.yml": strings.ReplaceAll(ciPinnedImageWorkflow, "\n", "\r\n")}),
			params:   map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"},
			declared: []string{".github/workflows/image.yml"},
			want: map[string][]string{".github/workflows/image.yml": {
				"      - name: Set up QEMU\r\n        uses: docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392 # v3.6.0\r\n",
				"        with:\r\n          platforms: linux/amd64,linux/arm64\r\n"}},
		},
		{
			name: "a workflow with an action the pins table lacks: left alone, with a note, and no second image workflow",
			files: ciNodeFiles(map[string]string{".github/workflows/docker.yml": strings.Replace(ciHumanImageWorkflow,
				"      # The image", "      - uses: acme/setup-thing@v1\n      # The image", 1)}),
			params: map[string]string{"workflows": "ci,image", "platforms": "linux/arm64"},
			only:   []string{CIWorkflowPath},
			note:   []string{"is not patched, so its images are not made multi-arch"},
		},
		{
			name: "docker build in a run step: a note, no patch",
			files: ciNodeFiles(map[string]string{".github/workflows/docker.yml": "name: d\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\n" +
				"jobs:\n  b:\n    runs-on: ubuntu-latest\n    timeout-minutes: 10\n    steps:\n      - run: docker build -t app .\n"}),
			params: map[string]string{"workflows": "ci,image", "platforms": "linux/arm64"},
			only:   []string{CIWorkflowPath},
			note:   []string{"builds images without docker/build-push-action"},
		},
		{
			name: "platforms already named: left as it is",
			files: ciNodeFiles(map[string]string{".github/workflows/image.yml": strings.Replace(ciPinnedImageWorkflow,
				"v6.18.0\n", "v6.18.0\n        with:\n          platforms: linux/amd64,linux/arm64\n", 1) + "      - uses: docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392 # v3.6.0\n"}),
			params: map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"},
			only:   []string{},
		},
	})
}

// TestCICDMultiArchScope: a task that does not name the workflow it would
// patch is refused by the engine's policy; the specialist's patch is a
// minimal diff.
func TestCICDMultiArchScope(t *testing.T) {
	c := cxCase{
		files:  ciNodeFiles(map[string]string{".github/workflows/docker.yml": ciHumanImageWorkflow}),
		params: map[string]string{"workflows": "image", "platforms": "linux/amd64,linux/arm64"},
	}
	fsys := cxFS(t, c)
	cs, err := runCXNoPolicy(t, c)
	if err != nil {
		t.Fatal(err)
	}
	task := engine.Task{ID: "ci", Mode: kit.CICDMode, Params: c.params}
	if f := engine.CheckPolicy(fsys, task, nil, cs); len(f) == 0 || f[0].Rule != engine.RulePolicyScope {
		t.Errorf("policy findings without the declared file = %v, want policy-scope", f)
	}
	patched := cs.Get(".github/workflows/docker.yml")
	if err := engine.Minimal([]byte(ciHumanImageWorkflow), patched.Content); err != nil {
		t.Error(err)
	}
}
