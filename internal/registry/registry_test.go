package registry

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// fakeRegistry serves an in-memory registry on loopback holding one image
// under repo:tag, and returns its host and the image's digest.
func fakeRegistry(t *testing.T, repo, tag string) (host, digest string) {
	t.Helper()
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return host, d.String()
}

func TestDigestThroughMirror(t *testing.T) {
	host, want := fakeRegistry(t, "library/node", "22-bookworm-slim")
	r := &Resolver{Mirror: host}
	got, err := r.Digest(context.Background(), "node:22-bookworm-slim")
	if err != nil || got != want {
		t.Fatalf("Digest = %q, %v; want %q", got, err, want)
	}
	if _, err := r.Digest(context.Background(), "node:20-missing"); err == nil {
		t.Error("a tag the registry lacks must be an error, never a digest")
	}
	if _, err := r.Digest(context.Background(), "node:22@sha256:"+strings.Repeat("a", 64)); err == nil || !strings.Contains(err.Error(), "already pinned") {
		t.Errorf("a pinned reference: %v", err)
	}
}

func TestDigestUnreachable(t *testing.T) {
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	_, err := (&Resolver{Mirror: host}).Digest(context.Background(), "node:22")
	if err == nil || !strings.Contains(err.Error(), "digest of node:22") {
		t.Fatalf("an unreachable registry: %v", err)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(MirrorEnv, " 127.0.0.1:5000 ")
	if r := FromEnv(); r.Mirror != "127.0.0.1:5000" {
		t.Errorf("Mirror = %q", r.Mirror)
	}
	for host, want := range map[string]bool{"127.0.0.1:5000": true, "localhost:1": true, "[::1]:80": true, "mirror.example.com": false} {
		if loopback(host) != want {
			t.Errorf("loopback(%q) != %v", host, want)
		}
	}
}
