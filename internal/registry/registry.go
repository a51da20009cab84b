// Package registry resolves container image tags to the digests their
// registries serve, so an image can be pinned by digest without inventing
// one. It asks the registry with github.com/google/go-containerregistry
// (anonymous auth, with the library's token-service flow), and never
// guesses: a registry it cannot reach is an error the caller reports.
package registry

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// MirrorEnv names the environment variable that sends every lookup to one
// registry host (host:port), for a pull-through mirror or a test registry
// on loopback.
const MirrorEnv = "DEVOPS_LEAD_REGISTRY_MIRROR"

// DefaultTimeout bounds one lookup.
const DefaultTimeout = 20 * time.Second

// Resolver resolves image references to digests. The zero value asks each
// image's own registry: docker.io (index.docker.io) for bare names such as
// "node:22", and ghcr.io, gcr.io, quay.io and the rest as the reference
// names them, through the library's reference parsing.
type Resolver struct {
	// Mirror, when set, is the registry host (host:port) every lookup
	// goes to, keeping the repository path ("library/node" for node).
	Mirror string
	// Timeout bounds one lookup; zero means DefaultTimeout.
	Timeout time.Duration
	// Transport is the HTTP transport; nil means the library's default.
	Transport http.RoundTripper
}

// FromEnv returns a Resolver with Mirror read from DEVOPS_LEAD_REGISTRY_MIRROR.
func FromEnv() *Resolver {
	return &Resolver{Mirror: strings.TrimSpace(os.Getenv(MirrorEnv))}
}

// Digest returns the digest ("sha256:…") the registry serves for ref
// ("node:22-bookworm-slim", "ghcr.io/o/app:1.2"): the manifest list's
// digest for a multi-platform image, so the pin holds on every platform.
func (r *Resolver) Digest(ctx context.Context, ref string) (string, error) {
	parsed, err := r.reference(ref)
	if err != nil {
		return "", err
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(authn.Anonymous)}
	if r.Transport != nil {
		opts = append(opts, remote.WithTransport(r.Transport))
	}
	// HEAD first (it does not count against Docker Hub's pull limit); a
	// registry that answers HEAD without a digest gets a GET.
	desc, err := remote.Head(parsed, opts...)
	if err == nil && desc.Digest.Hex != "" {
		return desc.Digest.String(), nil
	}
	full, gerr := remote.Get(parsed, opts...)
	if gerr != nil {
		if err == nil {
			err = gerr
		}
		return "", fmt.Errorf("ask %s for the digest of %s: %w", parsed.Context().RegistryStr(), ref, err)
	}
	return full.Digest.String(), nil
}

// reference parses ref; with a mirror, the same repository and tag on the
// mirror's host. A reference that already holds a digest is refused: it is
// pinned.
func (r *Resolver) reference(ref string) (name.Reference, error) {
	if strings.Contains(ref, "@") {
		return nil, fmt.Errorf("%s is already pinned by digest", ref)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		return nil, fmt.Errorf("read image reference %q: %w", ref, err)
	}
	if r.Mirror == "" {
		return tag, nil
	}
	var opts []name.Option
	if loopback(r.Mirror) {
		opts = append(opts, name.Insecure)
	}
	m, err := name.NewTag(r.Mirror+"/"+tag.RepositoryStr()+":"+tag.TagStr(), opts...)
	if err != nil {
		return nil, fmt.Errorf("read image reference %q on the mirror %s: %w", ref, r.Mirror, err)
	}
	return m, nil
}

// loopback reports whether host is this machine, which the library then
// talks to over plain HTTP (a test registry).
func loopback(host string) bool {
	h := host
	if i := strings.LastIndex(h, ":"); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	h = strings.Trim(h, "[]")
	return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
}
