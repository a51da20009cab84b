package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/devops-lead/devops-lead/internal/app"
	"github.com/devops-lead/devops-lead/internal/brain/builtin"
	"github.com/devops-lead/devops-lead/internal/brain/gemini"
	"github.com/devops-lead/devops-lead/internal/config"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/github"
	"github.com/devops-lead/devops-lead/internal/jobs"
	"github.com/devops-lead/devops-lead/internal/metrics"
	"github.com/devops-lead/devops-lead/internal/webhook"
)

const serveSynopsis = `serve [flags]

Runs devops-lead as a GitHub App: POST /webhook takes GitHub's deliveries
(signed with the webhook secret), stores them durably, and workers plan
and open sub-issues and pull requests. GET /healthz answers while the
process runs, GET /readyz while the queue's database answers, GET
/metrics gives Prometheus the deliveries, queue depth, jobs, GitHub calls
and rate limit (keep it off the public ingress). Every few minutes
(--redelivery-interval) it has GitHub redeliver the failed deliveries it
never stored.

At start it asks GitHub who the App is (GET /app) and uses its slug.

Environment: GITHUB_APP_ID, GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH,
GITHUB_WEBHOOK_SECRET (all required), GITHUB_APP_SLUG (an override, used
when GitHub cannot be asked), GITHUB_API_URL (GitHub Enterprise Server:
https://HOST/api/v3), DATABASE_URL (PostgreSQL; otherwise SQLite at --db),
DEVOPS_LEAD_DB (the default --db), DEVOPS_LEAD_RETENTION (the default
--retention), GEMINI_API_KEY (optional). Every
secret may be read from a file instead: GITHUB_PRIVATE_KEY_FILE,
GITHUB_WEBHOOK_SECRET_FILE, DATABASE_URL_FILE, GEMINI_API_KEY_FILE.
--env-file reads these variables from the file devops-lead setup wrote.`

func init() {
	register(&command{name: "serve", summary: "run as a GitHub App (webhooks, durable queue, pull requests)", run: cmdServe})
}

func cmdServe(env *Env, args []string) int {
	cfg, code, done := serveConfig(env, args)
	if done {
		return code
	}
	log := slog.New(slog.NewJSONHandler(env.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead serve: %v\n", err)
		return exitFail
	}
	if err := Serve(ctx, cfg, ln, log); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead serve: %v\n", err)
		return exitFail
	}
	return exitOK
}

// serveConfig reads serve's configuration: the environment, then the
// env file named by --env-file for what the environment leaves unset,
// then the flags given. done reports that serve must stop with code
// (help asked, a bad command line or configuration).
func serveConfig(env *Env, args []string) (cfg *config.Server, code int, done bool) {
	def, err := config.ServerFromEnv(func(string) string { return "" })
	if err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead serve: %v\n", err)
		return nil, exitFail, true
	}
	fs := newFlags(env, "serve", serveSynopsis)
	envFile := fs.String("env-file", "", "read KEY=VALUE lines (the file devops-lead setup writes); variables set in the environment win")
	listen := fs.String("listen", def.Listen, "address to listen on")
	db := fs.String("db", def.DBPath, "SQLite file for the queue (default $DEVOPS_LEAD_DB when set; ignored when DATABASE_URL is set)")
	workers := fs.Int("workers", def.Workers, "jobs run at once")
	grace := fs.Duration("shutdown-grace", def.ShutdownGrace, "how long running jobs may finish on SIGTERM")
	redeliver := fs.Duration("redelivery-interval", def.RedeliveryInterval, "how often to have GitHub redeliver the failed deliveries never stored (0: never)")
	retention := def.Retention
	fs.Var(config.RetentionFlag{D: &retention}, "retention", "how long delivery payloads and finished jobs are kept, e.g. 168h or 7d (delivery ids and event identities twice as long; default $DEVOPS_LEAD_RETENTION when set)")
	if code, done := parseFlags(env, fs, args); done {
		return nil, code, true
	}
	if fs.NArg() > 0 {
		return nil, usageErr(env, fs, "takes no arguments"), true
	}
	getenv := env.Getenv
	if *envFile != "" {
		vars, err := config.ReadEnvFile(*envFile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "devops-lead serve: %v\n", err)
			return nil, exitFail, true
		}
		getenv = config.WithEnvFile(getenv, vars)
	}
	if cfg, err = config.ServerFromEnv(getenv); err != nil {
		fmt.Fprintf(env.Stderr, "devops-lead serve: %v\n", err)
		return nil, exitFail, true
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "listen":
			cfg.Listen = *listen
		case "db":
			cfg.DBPath = *db
		case "workers":
			cfg.Workers = *workers
		case "shutdown-grace":
			cfg.ShutdownGrace = *grace
		case "redelivery-interval":
			cfg.RedeliveryInterval = *redeliver
		case "retention":
			cfg.Retention = retention
		}
	})
	if err := cfg.Check(); err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return nil, exitFail, true
	}
	return cfg, exitOK, false
}

// Serve runs the App on ln until ctx ends, then shuts down gracefully:
// no new deliveries, running jobs get cfg.ShutdownGrace to finish, the
// rest stay queued for the next start.
func Serve(ctx context.Context, cfg *config.Server, ln net.Listener, log *slog.Logger) error {
	db, err := jobs.Open(ctx, cfg.DBPath, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	m := metrics.New()
	ghApp := &github.App{ID: cfg.AppID, Key: cfg.PrivateKey, APIURL: cfg.APIURL, TransportFor: m.Transport}
	if _, err := ghApp.Installation(1); err != nil {
		return fmt.Errorf("the App private key: %w", err)
	}
	if err := resolveIdentity(ctx, cfg, ghApp.Identity, log); err != nil {
		return err
	}
	proc := &app.App{GitHub: ghApp, Bot: cfg.BotLogin(), Log: log, Brain: appBrainCounted(ctx, cfg.GeminiKey, log, m.Tokens)}
	q, err := jobs.New(db, proc, jobs.Options{Workers: cfg.Workers, Logger: log, PollInterval: cfg.QueuePoll, RetryDelay: cfg.RetryDelay, MaxAttempts: cfg.MaxAttempts,
		Retention: cfg.Retention})
	if err != nil {
		return err
	}
	// The outbox is pruned at start and every hour on the retention
	// window; the pruner stops before the database closes.
	pruneCtx, stopPrune := context.WithCancel(context.WithoutCancel(ctx))
	pruned := make(chan struct{})
	go func() {
		defer close(pruned)
		(&jobs.Pruner{DB: db, Window: cfg.Retention, Log: log}).Run(pruneCtx, jobs.DefaultPruneEvery)
	}()
	defer func() { stopPrune(); <-pruned }()
	proc.Enqueue = q.EnqueueTasks
	hook, err := webhook.New(cfg.WebhookSecret, q.Outbox, log)
	if err != nil {
		return err
	}
	// An event older than the window may have had its identity pruned:
	// a replay of it is ignored by its age instead.
	hook.MaxEventAge = cfg.Retention
	stopObserving := q.Observe(m.Job)
	defer stopObserving()
	if err := m.Register(queueGauges(q, log)); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	sweepCtx, cancelSweep := context.WithCancel(context.WithoutCancel(ctx))
	sweepDone, err := startSweep(sweepCtx, cfg, ghApp, q, m, log)
	if err != nil {
		cancelSweep()
		q.Stop(context.Background())
		return err
	}
	stopSweep := func() { cancelSweep(); sweepDone() }
	defer stopSweep()
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", m.Webhook(hook))
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := q.Ping(pctx); err != nil {
			http.Error(w, "queue unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	log.Info("devops-lead serve started", "addr", ln.Addr().String(), "config", cfg.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			q.Stop(context.Background())
			return err
		}
	}
	// One grace for both steps: the HTTP server stops taking deliveries
	// and finishes the requests in flight, then the queue's soft stop lets
	// running jobs end; when the grace is over, the queue cancels what
	// still runs and River puts those jobs back for the next start. The
	// queue was started on its own context, so the signal alone cuts
	// nothing.
	stopSweep()
	log.Info("shutting down: no new deliveries; running jobs may finish", "grace", cfg.ShutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
		srv.Close()
	}
	if err := q.Stop(sctx); err != nil {
		return fmt.Errorf("stop the queue: %w", err)
	}
	log.Info("stopped")
	return nil
}

// appBrain is how the GitHub front doors (serve and action) choose their
// brain: the Gemini brain when a key is set, falling back to the
// built-in one when it cannot start; nil, which is the built-in brain,
// without a key.
func appBrain(ctx context.Context, geminiKey string, log *slog.Logger) func() engine.Brain {
	return appBrainCounted(ctx, geminiKey, log, nil)
}

// appBrainCounted is appBrain telling onTokens (when set) the Gemini
// tokens of every call.
func appBrainCounted(ctx context.Context, geminiKey string, log *slog.Logger, onTokens func(model string, in, out int64)) func() engine.Brain {
	if geminiKey == "" {
		return nil
	}
	return func() engine.Brain {
		b, err := gemini.New(ctx, gemini.Config{APIKey: geminiKey, OnTokens: onTokens})
		if err != nil {
			log.Error("gemini brain unavailable; using the built-in brain", "err", err)
			return builtin.New()
		}
		return b
	}
}
