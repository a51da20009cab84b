package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"
)

// Identity is who GitHub says the App is (GET /app).
type Identity struct {
	ID   int64
	Slug string
	Name string
}

// Identity asks GitHub who the App is, authenticated with the App JWT
// signed by a.Key for a.ID. A 401 means the key does not belong to the
// App (or the id is wrong): IsUnauthorized reports it.
func (a *App) Identity(ctx context.Context) (*Identity, error) {
	c, err := a.AppClient()
	if err != nil {
		return nil, err
	}
	app, _, err := c.REST.Apps.Get(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("GET /app: %w", err)
	}
	return &Identity{ID: app.GetID(), Slug: app.GetSlug(), Name: app.GetName()}, nil
}

// IsUnauthorized reports whether err is a GitHub 401: the credentials
// (an App JWT, a token) were refused.
func IsUnauthorized(err error) bool {
	var er *gh.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnauthorized
}

// AppClient returns a client authenticated as the App itself (a JWT
// signed with its key), for the App's own endpoints: GET /app, the
// webhook deliveries.
func (a *App) AppClient() (*Client, error) {
	base := a.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if a.TransportFor != nil {
		base = a.TransportFor(0, base)
	}
	atr, err := ghinstallation.NewAppsTransport(base, a.ID, a.Key)
	if err != nil {
		return nil, fmt.Errorf("GitHub App key for app %d: %w", a.ID, err)
	}
	api := apiRoot(a.APIURL)
	atr.BaseURL = api
	return newClient(atr, api, a.retry())
}
