package stack

import (
	"fmt"
	"slices"
	"testing"
)

func TestNodeImports(t *testing.T) {
	files := map[string]string{
		"package.json":        `{"name":"api"}`,
		"src/index.ts":        "",
		"src/env.ts":          "",
		"src/config/index.js": "",
		"src/settings.mjs":    "",
		"src/routes.ts":       "",
		"other/config.ts":     "",
	}
	d := &detector{idx: newIndex()}
	w := &walker{fsys: tree(files), idx: d.idx, max: 100}
	if err := w.run("."); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code string
		want       []string
	}{
		{"ts import naming the emitted js", "import { env } from './env.js'\n", []string{"src/env.ts"}},
		{"folder with an index", "const c = require('./config')\n", []string{"src/config/index.js"}},
		{"extension guessed", "export * from './settings'\n", []string{"src/settings.mjs"}},
		{"side-effect import", "import './env'\n", []string{"src/env.ts"}},
		{"not a configuration module", "import r from './routes'\n", nil},
		{"outside the service", "import c from '../other/config'\n", nil},
		{"package, not a path", "import env from 'env-var'\n", nil},
		{"missing file", "import c from './config/missing'\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.nodeImports("src", "src/index.ts", tt.code)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInsertSources(t *testing.T) {
	var list []string
	for i := range maxSourceFiles {
		list = append(list, fmt.Sprintf("f%02d.ts", i))
	}
	got := insertSources(slices.Clone(list), 1, []string{"f05.ts", "env.ts", "config.ts"})
	if len(got) != maxSourceFiles {
		t.Fatalf("len %d, want the cap %d", len(got), maxSourceFiles)
	}
	want := append([]string{"f00.ts", "env.ts", "config.ts"}, list[1:maxSourceFiles-2]...)
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got := insertSources([]string{"a.ts"}, 1, []string{"a.ts"}); !slices.Equal(got, []string{"a.ts"}) {
		t.Errorf("a file already listed is not added again: %v", got)
	}
}
