package compose

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
)

// backingService describes one backing service: pinned image, local-only
// port, named volume, healthcheck, and passwords as references.
func backingService(name string, img kit.BackingImage) (composeService, []secretVar) {
	s := composeService{Name: name, Image: img.Image, Volume: name + "-data:" + img.Volume, StartPeriod: "10s"}
	for _, p := range append([]int{img.Port}, img.ExtraPorts...) {
		s.Ports = append(s.Ports, fmt.Sprintf("127.0.0.1:%d:%d", p, p))
	}
	var secrets []secretVar
	secret := func(v string) string {
		secrets = append(secrets, secretVar{Name: v, Service: name})
		return kit.SecretRef(v)
	}
	switch name {
	case "postgres":
		s.Env = []envVar{{"POSTGRES_USER", "app"}, {"POSTGRES_DB", "app"}, {"POSTGRES_PASSWORD", secret("POSTGRES_PASSWORD")}}
		s.Healthcheck = container.JsonArgs("CMD", "pg_isready", "-U", "app", "-d", "app")
	case "mysql":
		s.Env = []envVar{{"MYSQL_DATABASE", "app"}, {"MYSQL_USER", "app"}, {"MYSQL_PASSWORD", secret("MYSQL_PASSWORD")},
			{"MYSQL_ROOT_PASSWORD", secret("MYSQL_ROOT_PASSWORD")}}
		s.Healthcheck = container.JsonArgs("CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent")
		s.StartPeriod = "30s"
	case "redis":
		s.Healthcheck = container.JsonArgs("CMD", "redis-cli", "ping")
	case "mongodb":
		s.Env = []envVar{{"MONGO_INITDB_ROOT_USERNAME", "app"}, {"MONGO_INITDB_ROOT_PASSWORD", secret("MONGO_PASSWORD")}}
		s.Healthcheck = container.JsonArgs("CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok")
		s.StartPeriod = "20s"
	case "rabbitmq":
		s.Env = []envVar{{"RABBITMQ_DEFAULT_USER", "app"}, {"RABBITMQ_DEFAULT_PASS", secret("RABBITMQ_PASSWORD")}}
		s.Healthcheck = container.JsonArgs("CMD", "rabbitmq-diagnostics", "-q", "ping")
		s.StartPeriod = "30s"
	}
	return s, secrets
}

// appEnv returns the connection settings an app gets for one backing
// service, built from the same password references.
func appEnv(name string, all []string) []envVar {
	switch name {
	case "postgres":
		return []envVar{{"DATABASE_URL", "postgres://app:" + kit.SecretRef("POSTGRES_PASSWORD") + "@postgres:5432/app?sslmode=disable"}}
	case "mysql":
		key := "DATABASE_URL"
		if kit.Contains(all, "postgres") {
			key = "MYSQL_URL"
		}
		return []envVar{{key, "mysql://app:" + kit.SecretRef("MYSQL_PASSWORD") + "@mysql:3306/app"}}
	case "redis":
		return []envVar{{"REDIS_URL", "redis://redis:6379/0"}}
	case "mongodb":
		return []envVar{{"MONGODB_URI", "mongodb://app:" + kit.SecretRef("MONGO_PASSWORD") + "@mongodb:27017/?authSource=admin"}}
	case "rabbitmq":
		return []envVar{{"AMQP_URL", "amqp://app:" + kit.SecretRef("RABBITMQ_PASSWORD") + "@rabbitmq:5672/"}}
	}
	return nil
}

// envExample writes .env.example with a placeholder for each password, or
// adds the missing ones to an existing file.
func envExample(ws fs.FS, dir string, secrets []secretVar, cs *change.ChangeSet) error {
	if len(secrets) == 0 {
		return nil
	}
	p := kit.JoinPath(dir, ".env.example")
	old, err := kit.ReadOptional(ws, p)
	if err != nil {
		return err
	}
	var b strings.Builder
	if old == nil {
		b.WriteString("# Settings for compose.yaml. Copy this file to .env (keep .env out of git)\n")
		b.WriteString("# and replace each placeholder with a password of your own. They are for\n")
		b.WriteString("# local containers only: never reuse them anywhere else.\n")
	} else {
		b.Write(old)
		if len(old) > 0 && old[len(old)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	added := 0
	for _, s := range secrets {
		if old != nil && hasEnvKey(old, s.Name) {
			continue
		}
		fmt.Fprintf(&b, "%s=change-me\n", s.Name)
		added++
	}
	if added == 0 {
		return nil
	}
	note := "placeholders for the passwords compose.yaml references"
	if old != nil {
		note = fmt.Sprintf("added %d placeholder(s) for the passwords compose.yaml references", added)
	}
	cs.Put(p, []byte(b.String()), nil, note)
	return nil
}

// hasEnvKey reports whether an env file sets key.
func hasEnvKey(content []byte, key string) bool {
	for _, l := range strings.Split(string(content), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "export "))
		if strings.HasPrefix(l, key+"=") {
			return true
		}
	}
	return false
}
