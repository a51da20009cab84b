package cicd

import (
	"testing"
)

const ciWranglerToml = `name = "edge"
main = "src/index.ts"
compatibility_date = "2025-01-01"

[env.staging]
name = "edge-staging"

[env.production]
name = "edge-production"
`

func TestCICDWorkerDeploy(t *testing.T) {
	workerPkg := `{"name":"edge","private":true,"scripts":{"deploy":"wrangler deploy"},"devDependencies":{"wrangler":"4.20.0"}}`
	runCXCases(t, []cxCase{
		{
			name: "worker in its own directory with npm",
			files: map[string]string{
				"workers/edge/wrangler.toml":       ciWranglerToml,
				"workers/edge/package.json":        workerPkg,
				"workers/edge/package-lock.json":   `{"lockfileVersion":3}`,
				"workers/edge/src/index.ts":        "export default { fetch() { return new Response('ok') } }\n",
				".git/refs/remotes/origin/HEAD":    "ref: refs/remotes/origin/trunk\n",
				"workers/edge/.nvmrc":              "22\n",
				"workers/edge/tsconfig.json":       "{}",
				"workers/edge/README.md":           "edge\n",
				"workers/edge/src/routes/index.ts": "export {}\n",
			},
			params: map[string]string{"workflows": "worker", "worker_dir": "workers/edge"},
			only:   []string{WorkerDeployPath},
			want: map[string][]string{WorkerDeployPath: {
				"cloudflare/wrangler-action@da0e0dfe58b7a431659754fdf3f186c529afbe65 # v3.14.1",
				"apiToken: ${{ secrets.CLOUDFLARE_API_TOKEN }}", "accountId: ${{ secrets.CLOUDFLARE_ACCOUNT_ID }}",
				"workingDirectory: workers/edge", "command: deploy --dry-run", "command: deploy\n",
				"branches: [trunk]", "if: github.event_name == 'pull_request'", "if: github.event_name != 'pull_request'",
				"node-version-file: workers/edge/.nvmrc", "npm ci", "working-directory: workers/edge", "packageManager: npm"}},
			absent: map[string][]string{WorkerDeployPath: {"npm run test", "environment:"}},
			note:   []string{"staging, production", "CLOUDFLARE_API_TOKEN"},
		},
		{
			name:   "root wrangler.jsonc without package.json, found without worker_dir",
			files:  map[string]string{"wrangler.jsonc": "{\n  // the worker\n  \"name\": \"site\",\n  \"main\": \"index.js\"\n}\n", "index.js": "export default {}\n"},
			params: map[string]string{"workflows": "worker"},
			want:   map[string][]string{WorkerDeployPath: {"command: deploy", "branches: [main]"}},
			absent: map[string][]string{WorkerDeployPath: {"workingDirectory", "setup-node", "packageManager"}},
			note:   []string{"installs its own Wrangler"},
		},
		{
			name: "already deployed by a workflow: kept",
			files: map[string]string{
				"wrangler.toml": ciWranglerToml,
				".github/workflows/cf.yml": "name: cf\non: push\npermissions:\n  contents: read\njobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n" +
					"      - run: npx wrangler deploy\n",
			},
			params: map[string]string{"workflows": "worker"},
			only:   []string{},
		},
		{
			name:   "no wrangler config",
			files:  map[string]string{"index.js": "export default {}\n"},
			params: map[string]string{"workflows": "worker"},
			err:    "has no wrangler.toml",
		},
		{
			name: "two workers, none named",
			files: map[string]string{
				"a/wrangler.toml": ciWranglerToml, "b/wrangler.toml": ciWranglerToml,
			},
			params: map[string]string{"workflows": "worker"},
			err:    "several Workers (a, b)",
		},
		{
			name:   "worker_dir without a config",
			files:  map[string]string{"a/wrangler.toml": ciWranglerToml, "b/index.js": ""},
			params: map[string]string{"workflows": "worker", "worker_dir": "b"},
			err:    "b has no wrangler.toml",
		},
	})
}
