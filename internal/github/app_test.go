package github

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/devops-lead/devops-lead/internal/githubtest"
)

func rsaPEM(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func TestIdentityAsksGitHubWhoTheAppIs(t *testing.T) {
	k, pemKey := rsaPEM(t)
	srv := githubtest.New(t, 31, &k.PublicKey)
	srv.AppSlug, srv.AppName = "acme-devops-lead", "Acme DevOps Lead"
	id, err := (&App{ID: 31, Key: pemKey, APIURL: srv.URL}).Identity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.ID != 31 || id.Slug != "acme-devops-lead" || id.Name != "Acme DevOps Lead" {
		t.Fatalf("identity = %+v", id)
	}
	if n := srv.Calls("GET /app"); n != 1 {
		t.Fatalf("GET /app called %d times, want 1", n)
	}

	// A key of another App, or the right key with another App's id: 401.
	_, otherKey := rsaPEM(t)
	for name, app := range map[string]*App{
		"other key": {ID: 31, Key: otherKey, APIURL: srv.URL},
		"other id":  {ID: 32, Key: pemKey, APIURL: srv.URL},
	} {
		_, err := app.Identity(context.Background())
		if err == nil || !IsUnauthorized(err) {
			t.Errorf("%s: err = %v, want a 401", name, err)
		}
	}
	if IsUnauthorized(nil) {
		t.Error("nil is not a 401")
	}
}
