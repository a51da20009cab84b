package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Server is what `devops-lead serve` needs. Secrets are held here and
// never logged: String() redacts them.
type Server struct {
	AppID          int64
	AppSlug        string // the App's slug; its bot is AppSlug+"[bot]"
	PrivateKey     []byte
	PrivateKeyPath string
	WebhookSecret  string
	APIURL         string // GITHUB_API_URL, for GitHub Enterprise Server
	DatabaseURL    string // PostgreSQL; SQLite at DBPath otherwise
	DBPath         string
	Listen         string
	GeminiKeySet   bool
	GeminiKey      string // never printed
	Workers        int
	ShutdownGrace  time.Duration
	// QueuePoll and RetryDelay tune the queue (tests use short ones);
	// zero keeps the queue's defaults.
	QueuePoll   time.Duration
	RetryDelay  time.Duration
	MaxAttempts int
}

// ServerFromEnv reads the environment: GITHUB_APP_ID, GITHUB_APP_SLUG,
// GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, GITHUB_WEBHOOK_SECRET,
// GITHUB_API_URL, DATABASE_URL, GEMINI_API_KEY (only whether it is set).
// Flags may override the result before Check.
func ServerFromEnv(getenv func(string) string) (*Server, error) {
	s := &Server{
		AppSlug:        getenv("GITHUB_APP_SLUG"),
		PrivateKeyPath: getenv("GITHUB_PRIVATE_KEY_PATH"),
		WebhookSecret:  getenv("GITHUB_WEBHOOK_SECRET"),
		APIURL:         getenv("GITHUB_API_URL"),
		DatabaseURL:    getenv("DATABASE_URL"),
		DBPath:         "devops-lead.db",
		Listen:         ":8080",
		GeminiKeySet:   getenv("GEMINI_API_KEY") != "",
		GeminiKey:      getenv("GEMINI_API_KEY"),
		Workers:        4,
		ShutdownGrace:  30 * time.Second,
	}
	if k := getenv("GITHUB_PRIVATE_KEY"); k != "" {
		// Platforms often store the PEM with literal \n.
		s.PrivateKey = []byte(strings.ReplaceAll(k, `\n`, "\n"))
	}
	if v := getenv("GITHUB_APP_ID"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("GITHUB_APP_ID %q: want the App's numeric id", v)
		}
		s.AppID = id
	}
	if s.AppSlug == "" {
		s.AppSlug = "devops-lead"
	}
	return s, nil
}

// Check loads the key file if needed and reports everything missing at
// once, naming the variable or flag that provides it.
func (s *Server) Check() error {
	var missing []string
	if s.WebhookSecret == "" {
		missing = append(missing, "GITHUB_WEBHOOK_SECRET (the webhook secret; unsigned deliveries are never accepted)")
	}
	if s.AppID == 0 {
		missing = append(missing, "GITHUB_APP_ID (the App's numeric id)")
	}
	if len(s.PrivateKey) == 0 && s.PrivateKeyPath != "" {
		key, err := os.ReadFile(s.PrivateKeyPath)
		if err != nil {
			return fmt.Errorf("GITHUB_PRIVATE_KEY_PATH: %w", err)
		}
		s.PrivateKey = key
	}
	if len(s.PrivateKey) == 0 {
		missing = append(missing, "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH (the App's private key, PEM)")
	} else if !strings.Contains(string(s.PrivateKey), "PRIVATE KEY-----") {
		return errors.New("the App private key is not a PEM private key (want -----BEGIN RSA PRIVATE KEY-----)")
	}
	if s.DatabaseURL == "" && s.DBPath == "" {
		missing = append(missing, "DATABASE_URL or --db (where the queue lives)")
	}
	if len(missing) > 0 {
		return fmt.Errorf("devops-lead serve cannot start; set:\n  - %s", strings.Join(missing, "\n  - "))
	}
	return nil
}

// BotLogin is the login the App comments as.
func (s *Server) BotLogin() string { return s.AppSlug + "[bot]" }

// String describes the configuration without secrets.
func (s *Server) String() string {
	db := "sqlite:" + s.DBPath
	if s.DatabaseURL != "" {
		db = "postgres (DATABASE_URL)"
	}
	api := s.APIURL
	if api == "" {
		api = "https://api.github.com"
	}
	return fmt.Sprintf("app %d (%s), api %s, queue %s, listen %s, gemini key set: %v",
		s.AppID, s.AppSlug, api, db, s.Listen, s.GeminiKeySet)
}
