package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/github"
)

// identityTimeout bounds the start-up question to GitHub (GET /app),
// retries of 5xx answers included.
const identityTimeout = 30 * time.Second

// resolveIdentity asks GitHub who the App is (GET /app with the App JWT)
// before serve takes deliveries, and settles cfg.AppSlug, from which the
// bot login comes. The lead finds its own plan comments by that login,
// so a wrong slug silently breaks the App (`/devops status` answers that
// there is no plan): GitHub's answer wins over GITHUB_APP_SLUG, with a
// warning naming both. A 401 means the key is not the App's, and serve
// refuses to start. When GitHub cannot be asked (unreachable, 5xx), serve
// starts with GITHUB_APP_SLUG and a warning, or refuses without one.
func resolveIdentity(ctx context.Context, cfg *config.Server, ask func(context.Context) (*github.Identity, error), log *slog.Logger) error {
	ictx, cancel := context.WithTimeout(ctx, identityTimeout)
	defer cancel()
	id, err := ask(ictx)
	if err == nil && id.Slug == "" {
		err = fmt.Errorf("GET /app answered without a slug")
	}
	switch {
	case err == nil:
	case github.IsUnauthorized(err):
		return fmt.Errorf("the private key does not belong to App %d: GitHub refused the App JWT (%w); check GITHUB_APP_ID and use a private key generated on this App's settings page", cfg.AppID, err)
	case cfg.AppSlug == "":
		return fmt.Errorf("cannot ask GitHub who App %d is (GET /app), and GITHUB_APP_SLUG is not set to fall back on: %w", cfg.AppID, err)
	default:
		log.Warn("cannot ask GitHub who the App is (GET /app); using GITHUB_APP_SLUG, which must be the App's slug or the App will not find its own comments",
			"app_id", cfg.AppID, "slug", cfg.AppSlug, "err", err)
		return nil
	}
	if id.ID != 0 && id.ID != cfg.AppID {
		log.Warn("GitHub answered GET /app for another App id", "configured", cfg.AppID, "github", id.ID)
	}
	if cfg.AppSlug != "" && cfg.AppSlug != id.Slug {
		log.Warn("GITHUB_APP_SLUG differs from the App's slug on GitHub; using GitHub's, since a wrong slug makes the App miss its own plan comments (/devops status would find no plan)",
			"GITHUB_APP_SLUG", cfg.AppSlug, "github_slug", id.Slug)
	}
	cfg.AppSlug = id.Slug
	log.Info("GitHub App identity", "app_id", id.ID, "slug", id.Slug, "name", id.Name, "bot", cfg.BotLogin())
	return nil
}
