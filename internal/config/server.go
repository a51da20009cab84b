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
	AppSlug        string // the App's slug; its bot is AppSlug+"[bot]"; empty until GitHub (GET /app) or GITHUB_APP_SLUG says
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
	// Retention is how long deliveries' payloads and finished jobs are
	// kept (DEVOPS_LEAD_RETENTION, --retention; default 7 days); the ids
	// that deduplicate deliveries are kept twice as long.
	Retention time.Duration
	// QueuePoll and RetryDelay tune the queue (tests use short ones);
	// zero keeps the queue's defaults.
	QueuePoll   time.Duration
	RetryDelay  time.Duration
	MaxAttempts int
	// RedeliveryInterval is how often serve asks GitHub for the failed
	// deliveries it never stored (GET /app/hook/deliveries) and has them
	// redelivered; zero turns the sweep off. ServerFromEnv sets 5m.
	RedeliveryInterval time.Duration
}

// DefaultDBPath is the SQLite file for the queue when neither
// DEVOPS_LEAD_DB nor --db names one (relative to the working directory).
const DefaultDBPath = "devops-lead.db"

// DefaultRetention is the default retention window: GitHub lets a
// failed delivery be redelivered for 3 days, and a week leaves room.
const DefaultRetention = 7 * 24 * time.Hour

// ParseRetention reads a retention window: a Go duration ("72h", "90m")
// or whole days ("7d"). It must be positive.
func ParseRetention(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(strings.TrimSpace(v), "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("%q: want a duration such as 168h or a number of days such as 7d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(strings.TrimSpace(v)); err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 168h or a number of days such as 7d", v)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: the retention window must be positive", v)
	}
	return d, nil
}

// RetentionFlag is a flag.Value over a retention window, parsed with
// ParseRetention.
type RetentionFlag struct{ D *time.Duration }

// String implements flag.Value.
func (f RetentionFlag) String() string {
	if f.D == nil {
		return ""
	}
	return f.D.String()
}

// Set implements flag.Value.
func (f RetentionFlag) Set(v string) error {
	d, err := ParseRetention(v)
	if err != nil {
		return err
	}
	*f.D = d
	return nil
}

// ServerFromEnv reads the environment: GITHUB_APP_ID, GITHUB_APP_SLUG
// (an override; empty means ask GitHub), GITHUB_PRIVATE_KEY,
// GITHUB_PRIVATE_KEY_FILE or GITHUB_PRIVATE_KEY_PATH,
// GITHUB_WEBHOOK_SECRET, GITHUB_API_URL, DATABASE_URL, DEVOPS_LEAD_DB
// (the default --db), DEVOPS_LEAD_RETENTION (see ParseRetention) and
// GEMINI_API_KEY. Every secret (the private key,
// the webhook secret, DATABASE_URL, GEMINI_API_KEY) may instead be read
// from a file named by <NAME>_FILE, as Docker and Kubernetes mount
// secrets; setting both is an error. Flags may override the result
// before Check.
func ServerFromEnv(getenv func(string) string) (*Server, error) {
	s := &Server{
		AppSlug:        getenv("GITHUB_APP_SLUG"),
		PrivateKeyPath: getenv("GITHUB_PRIVATE_KEY_PATH"),
		APIURL:         getenv("GITHUB_API_URL"),
		DBPath:         getenv("DEVOPS_LEAD_DB"),
		Listen:         ":8080",
		Workers:        4,
		ShutdownGrace:  30 * time.Second,
		Retention:      DefaultRetention,
		// GitHub keeps deliveries three days; a sweep every few minutes
		// costs one or a few API calls.
		RedeliveryInterval: 5 * time.Minute,
	}
	if s.DBPath == "" {
		s.DBPath = DefaultDBPath
	}
	var err error
	if v := getenv("DEVOPS_LEAD_RETENTION"); v != "" {
		if s.Retention, err = ParseRetention(v); err != nil {
			return nil, fmt.Errorf("DEVOPS_LEAD_RETENTION: %w", err)
		}
	}
	if s.WebhookSecret, err = secretFromEnv(getenv, "GITHUB_WEBHOOK_SECRET"); err != nil {
		return nil, err
	}
	if s.DatabaseURL, err = secretFromEnv(getenv, "DATABASE_URL"); err != nil {
		return nil, err
	}
	if s.GeminiKey, err = secretFromEnv(getenv, "GEMINI_API_KEY"); err != nil {
		return nil, err
	}
	s.GeminiKeySet = s.GeminiKey != ""
	if getenv("GITHUB_PRIVATE_KEY_FILE") != "" && s.PrivateKeyPath != "" {
		return nil, errors.New("both GITHUB_PRIVATE_KEY_FILE and GITHUB_PRIVATE_KEY_PATH are set; set one")
	}
	k, err := secretFromEnv(getenv, "GITHUB_PRIVATE_KEY")
	if err != nil {
		return nil, err
	}
	if k != "" {
		if getenv("GITHUB_PRIVATE_KEY_FILE") != "" {
			k += "\n" // the PEM's final newline, trimmed with the file
		}
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
	return s, nil
}

// secretFromEnv returns the variable name's value, or the content of the
// file that name+"_FILE" names, without surrounding white space (a
// mounted secret usually ends with a newline). Both set, an unreadable
// file and an empty file are errors that name the variables.
func secretFromEnv(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	if file == "" {
		return v, nil
	}
	if v != "" {
		return "", fmt.Errorf("both %s and %s_FILE are set; set one", name, name)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", fmt.Errorf("%s_FILE: %s is empty", name, file)
	}
	return secret, nil
}

// Check loads the key file if needed and reports everything missing at
// once, naming the variable or flag that provides it.
func (s *Server) Check() error {
	var missing []string
	if s.WebhookSecret == "" {
		missing = append(missing, "GITHUB_WEBHOOK_SECRET or GITHUB_WEBHOOK_SECRET_FILE (the webhook secret; unsigned deliveries are never accepted)")
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
		missing = append(missing, "GITHUB_PRIVATE_KEY, GITHUB_PRIVATE_KEY_FILE or GITHUB_PRIVATE_KEY_PATH (the App's private key, PEM)")
	} else if !strings.Contains(string(s.PrivateKey), "PRIVATE KEY-----") {
		return errors.New("the App private key is not a PEM private key (want -----BEGIN RSA PRIVATE KEY-----)")
	}
	if s.DatabaseURL == "" && s.DBPath == "" {
		missing = append(missing, "DATABASE_URL, DATABASE_URL_FILE, DEVOPS_LEAD_DB or --db (where the queue lives)")
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
	slug := s.AppSlug
	if slug == "" {
		slug = "slug from GitHub"
	}
	api := s.APIURL
	if api == "" {
		api = "https://api.github.com"
	}
	return fmt.Sprintf("app %d (%s), api %s, queue %s, listen %s, gemini key set: %v",
		s.AppID, slug, api, db, s.Listen, s.GeminiKeySet)
}
