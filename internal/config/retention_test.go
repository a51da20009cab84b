package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestParseRetention(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "72h": 72 * time.Hour, " 90m ": 90 * time.Minute, "1d": 24 * time.Hour} {
		if got, err := ParseRetention(in); err != nil || got != want {
			t.Errorf("ParseRetention(%q) = %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "0d", "-1h", "week", "7days", "d", "99999999d"} {
		if got, err := ParseRetention(bad); err == nil {
			t.Errorf("ParseRetention(%q) = %v, want an error", bad, got)
		}
	}
}

func TestRetentionFromEnvAndFlag(t *testing.T) {
	env := map[string]string{}
	s, err := ServerFromEnv(func(k string) string { return env[k] })
	if err != nil || s.Retention != DefaultRetention {
		t.Fatalf("default retention %v %v", s.Retention, err)
	}
	env["DEVOPS_LEAD_RETENTION"] = "3d"
	if s, err = ServerFromEnv(func(k string) string { return env[k] }); err != nil || s.Retention != 72*time.Hour {
		t.Fatalf("DEVOPS_LEAD_RETENTION=3d: %v %v", s.Retention, err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(RetentionFlag{D: &s.Retention}, "retention", "")
	if err := fs.Parse([]string{"--retention", "36h"}); err != nil || s.Retention != 36*time.Hour {
		t.Fatalf("--retention 36h: %v %v", s.Retention, err)
	}
	if err := fs.Parse([]string{"--retention", "soon"}); err == nil {
		t.Fatal("--retention soon was taken")
	}
	env["DEVOPS_LEAD_RETENTION"] = "forever"
	if _, err := ServerFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("DEVOPS_LEAD_RETENTION=forever was taken")
	}
}
