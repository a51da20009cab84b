package worker

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kittest"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/pins"
	"github.com/pelletier/go-toml/v2"
)

func TestWorkerOutputs(t *testing.T) {
	checkout, err := pins.Action("actions/checkout")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		params map[string]string
		fsys   fstest.MapFS
		want   map[string][]string
		absent map[string][]string
	}{
		{name: "all bindings", params: map[string]string{"name": "api-edge", "bindings": "kv:CACHE, r2:UPLOADS,d1:DB,queue:JOBS"},
			want: map[string][]string{
				"workers/api-edge/wrangler.toml": {`name = "api-edge"`, `main = "src/index.ts"`, `compatibility_date = "` + workerCompatDate + `"`,
					"[[env.production.kv_namespaces]]", `bucket_name = "api-edge-uploads-staging"`, `queue = "api-edge-jobs-production"`, `database_name = "api-edge-db"`},
				"workers/api-edge/src/index.ts": {"CACHE: KVNamespace;", "UPLOADS: R2Bucket;", "DB: D1Database;", "JOBS: Queue;", "env.ORIGIN", "satisfies ExportedHandler<Env>"},
				"workers/api-edge/package.json": {`"wrangler": "` + wranglerVersion + `"`},
				".github/workflows/deploy-worker-api-edge.yml": {checkout.Uses(), "npx --yes wrangler@" + wranglerVersion + " deploy --env staging",
					"deploy --env production", "needs: [staging]", "environment: production", "CLOUDFLARE_API_TOKEN: ${{ secrets.CLOUDFLARE_API_TOKEN }}"},
			}},
		{name: "no bindings, master branch", params: map[string]string{"name": "edge"},
			fsys: fstest.MapFS{".git/refs/remotes/origin/HEAD": {Data: []byte("ref: refs/remotes/origin/master\n")}},
			want: map[string][]string{
				".github/workflows/deploy-worker-edge.yml": {"branches: [master]"},
				"workers/edge/src/index.ts":                {"ORIGIN: string;"},
			},
			absent: map[string][]string{"workers/edge/wrangler.toml": {"kv_namespaces", "r2_buckets", "d1_databases", "queues"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := tc.fsys
			if fsys == nil {
				fsys = fstest.MapFS{}
			}
			cs := kittest.Work(t, kit.WorkerMode, engine.Task{ID: "worker", Params: tc.params}, nil, fsys)
			kittest.StrictGate(t, kit.WorkerMode, cs)
			for p, subs := range tc.want {
				got := kittest.FileOf(t, cs, p)
				for _, s := range subs {
					if !strings.Contains(got, s) {
						t.Errorf("%s lacks %q:\n%s", p, s, got)
					}
				}
			}
			for p, subs := range tc.absent {
				got := kittest.FileOf(t, cs, p)
				for _, s := range subs {
					if strings.Contains(got, s) {
						t.Errorf("%s has %q:\n%s", p, s, got)
					}
				}
			}
			for _, f := range cs.Files {
				if strings.HasSuffix(f.Path, "wrangler.toml") {
					var v map[string]any
					if err := toml.Unmarshal(f.Content, &v); err != nil {
						t.Errorf("%s: %v", f.Path, err)
					}
					if v["compatibility_date"] != workerCompatDate {
						t.Errorf("compatibility_date %v", v["compatibility_date"])
					}
				}
			}
		})
	}
}

func TestWorkerBadParams(t *testing.T) {
	for _, p := range []map[string]string{
		{"name": "Bad Name"},
		{"name": "-x"},
		{"name": "ok", "bindings": "kv"},
		{"name": "ok", "bindings": "durable:OBJ"},
		{"name": "ok", "bindings": "kv:1BAD"},
		{"name": "ok", "bindings": "kv:A,r2:A"},
		{"name": "ok", "bindings": "kv:ORIGIN"},
		{"name": "ok", "bindings": "kv:A\"]\n[evil"},
	} {
		_, err := kittest.New().Work(context.Background(), engine.WorkInput{Task: engine.Task{ID: "worker", Mode: kit.WorkerMode, Params: p}})
		if err == nil {
			t.Errorf("%v: want an error", p)
		}
	}
}

// Existing Worker files are kept and the notes say so.
func TestWorkerKeepsExisting(t *testing.T) {
	fsys := fstest.MapFS{"workers/edge/wrangler.toml": {Data: []byte("name = \"edge\"\n")}}
	cs := kittest.Work(t, kit.WorkerMode, engine.Task{ID: "worker", Params: map[string]string{"name": "edge"}}, nil, fsys)
	if cs.Get("workers/edge/wrangler.toml") != nil {
		t.Error("the existing wrangler.toml was overwritten")
	}
	if f := cs.Get("workers/edge/src/index.ts"); f == nil || !strings.Contains(f.Note, "kept the existing workers/edge/wrangler.toml") {
		t.Errorf("no note about the kept file: %+v", f)
	}
}
