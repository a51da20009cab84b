package cicd

import (
	"regexp"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/pins"
)

// ciDBKind is a backing service a migrated job runs beside it.
type ciDBKind struct {
	image, port, health string
	// env is the container's environment when the old system gave none:
	// the passwordless defaults Travis CI and CircleCI's images have.
	env []ciKV
	// jobEnv points the usual clients at the container (psql, mysql).
	jobEnv []ciKV
	// def is the image tag used when the old system names no version.
	def string
}

// ciDBKinds are the backing services a migration translates, by name.
var ciDBKinds = map[string]ciDBKind{
	"postgres": {image: "postgres", port: "5432:5432", def: "16",
		health: "--health-cmd pg_isready --health-interval 10s --health-timeout 5s --health-retries 5",
		env:    []ciKV{{Key: "POSTGRES_HOST_AUTH_METHOD", Value: "trust"}},
		jobEnv: []ciKV{{Key: "PGHOST", Value: "localhost"}, {Key: "PGUSER", Value: "postgres"}}},
	"mysql": {image: "mysql", port: "3306:3306", def: "8.0",
		health: `--health-cmd "mysqladmin ping -h 127.0.0.1" --health-interval 10s --health-timeout 5s --health-retries 10`,
		env:    []ciKV{{Key: "MYSQL_ALLOW_EMPTY_PASSWORD", Value: `"yes"`}},
		jobEnv: []ciKV{{Key: "MYSQL_HOST", Value: "127.0.0.1"}}},
	"redis": {image: "redis", port: "6379:6379", def: "7",
		health: `--health-cmd "redis-cli ping" --health-interval 10s --health-timeout 5s --health-retries 5`},
	"mongo": {image: "mongo", port: "27017:27017", def: "7",
		health: `--health-cmd "mongosh --quiet --eval 'db.runCommand({ping: 1})'" --health-interval 10s --health-timeout 5s --health-retries 10`},
	"rabbitmq": {image: "rabbitmq", port: "5672:5672", def: "3",
		health: `--health-cmd "rabbitmq-diagnostics -q ping" --health-interval 10s --health-timeout 10s --health-retries 10`},
	"memcached": {image: "memcached", port: "11211:11211", def: "1.6"},
}

// ciTravisServices maps Travis CI's service names to ciDBKinds.
var ciTravisServices = map[string]string{
	"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mysql",
	"redis": "redis", "redis-server": "redis", "mongodb": "mongo", "mongo": "mongo",
	"rabbitmq": "rabbitmq", "memcached": "memcached",
}

// ciImageTagRE is a Docker tag the translation copies.
var ciImageTagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// ciDBService builds the job service for a backing service kind with an
// image tag ("" for the default) and the environment the old system gave
// the container (nil for the passwordless default).
func ciDBService(kind, tag string, env []ciKV) (cxService, []ciKV, bool) {
	k, ok := ciDBKinds[kind]
	if !ok {
		return cxService{}, nil, false
	}
	if tag == "" || !ciImageTagRE.MatchString(tag) {
		tag = k.def
	}
	if env == nil {
		env = k.env
	} else if kind == "postgres" && !ciHasKey(env, "POSTGRES_PASSWORD") && !ciHasKey(env, "POSTGRES_HOST_AUTH_METHOD") {
		// The official image refuses to start with neither.
		env = append(env, ciKV{Key: "POSTGRES_HOST_AUTH_METHOD", Value: "trust"})
	} else if kind == "mysql" && !ciHasKey(env, "MYSQL_ROOT_PASSWORD") && !ciHasKey(env, "MYSQL_ALLOW_EMPTY_PASSWORD") && !ciHasKey(env, "MYSQL_RANDOM_ROOT_PASSWORD") {
		env = append(env, ciKV{Key: "MYSQL_ALLOW_EMPTY_PASSWORD", Value: `"yes"`})
	}
	jobEnv := k.jobEnv
	for _, kv := range env {
		if kind == "postgres" && kv.Key == "POSTGRES_USER" {
			jobEnv = []ciKV{{Key: "PGHOST", Value: "localhost"}, {Key: "PGUSER", Value: kv.Value}}
		}
	}
	svc := cxService{Name: kind, Image: kit.YAMLScalar(k.image + ":" + tag), Env: env, Ports: []string{kit.YAMLScalar(k.port)}}
	if k.health != "" {
		svc.Options = kit.YAMLScalar(k.health)
	}
	return svc, jobEnv, true
}

func ciHasKey(kvs []ciKV, key string) bool {
	for _, kv := range kvs {
		if kv.Key == key {
			return true
		}
	}
	return false
}

// ciLangSetup is the toolchain step of a migrated job for a language and
// a version expression ("${{ matrix.go }}", "1.22"); ok is false for a
// language with no pinned setup action here (the runner's own is used).
func ciLangSetup(lang, version string) ([]cxStep, bool, error) {
	var act, key string
	var extra []string
	switch lang {
	case "go":
		act, key = "actions/setup-go", "go-version"
	case "node":
		act, key = "actions/setup-node", "node-version"
	case "python":
		act, key = "actions/setup-python", "python-version"
	case "java":
		act, key, extra = "actions/setup-java", "java-version", []string{"distribution", "temurin"}
	case "rust":
		st := cxRun("Install Rust", "rustup toolchain install \"$RUST_TOOLCHAIN\" --profile minimal --component rustfmt,clippy\nrustup default \"$RUST_TOOLCHAIN\"")
		st.Env = []ciKV{{Key: "RUST_TOOLCHAIN", Value: kit.YAMLScalar(version)}}
		return []cxStep{st}, true, nil
	default:
		return nil, false, nil
	}
	p, err := pins.Action(act)
	if err != nil {
		return nil, false, err
	}
	w := append(extra, key, version)
	name := map[string]string{"go": "Set up Go", "node": "Set up Node", "python": "Set up Python", "java": "Set up Java"}[lang]
	return []cxStep{{Name: kit.YAMLScalar(name), Uses: p.Uses(), With: ciWith(w...)}}, true, nil
}

// ciVersionPart keeps the version of an image tag ("3.12-browsers" →
// "3.12", "17.0" → "17.0").
func ciVersionPart(tag string) string {
	v, _, _ := strings.Cut(tag, "-")
	if ciVersionRE.MatchString(v) {
		return v
	}
	return ""
}
