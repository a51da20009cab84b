package kittest

import (
	"testing/fstest"
)

// MapFS builds a workspace from path → content.
func MapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}
