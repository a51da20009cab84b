package kittest

import (
	"io"
	"log"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// NodeRepo is a one-service Node repository and its files.
func NodeRepo() (*stack.Repo, fstest.MapFS) {
	repo := &stack.Repo{Services: []stack.Service{{
		Name: "web", Dir: ".", Language: stack.Node, Version: "22", PackageManager: "npm",
		Lockfile: "package-lock.json", Start: "node server.js", Port: 3000,
	}}}
	fsys := fstest.MapFS{
		"package.json":      {Data: []byte(`{"name":"web","scripts":{"start":"node server.js"}}`)},
		"package-lock.json": {Data: []byte("{}")},
		"server.js":         {Data: []byte("require('http').createServer().listen(3000)\n")},
	}
	return repo, fsys
}

// ReFromLine finds the image of each FROM line.
var ReFromLine = regexp.MustCompile(`(?m)^FROM\s+(?:--\S+\s+)*(\S+)`)

// PushAll serves an in-memory registry on loopback holding a random image
// for each reference, and returns its host and each reference's digest.
func PushAll(t *testing.T, refs []string) (string, map[string]string) {
	t.Helper()
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	out := map[string]string{}
	for _, r := range refs {
		tag, err := name.NewTag(r)
		if err != nil {
			t.Fatal(err)
		}
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		to, err := name.NewTag(host+"/"+tag.RepositoryStr()+":"+tag.TagStr(), name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(to, img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		out[r] = d.String()
	}
	return host, out
}
