package stack

import (
	"encoding/json"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// A hint maps a dependency name to a framework, a backing service, or
// the need for cgo. A hint with none of them (an SQLite driver) says the
// dependency is known and needs no backing service.
type hint struct {
	framework string
	dep       string
	// cgo is set for Go modules that only build with cgo: the service
	// then gets the framework "cgo" and its image keeps CGO_ENABLED=1.
	cgo bool
}

// goHints match Go module paths by prefix.
var goHints = []struct {
	prefix string
	hint
}{
	{"github.com/gin-gonic/gin", hint{framework: "gin"}},
	{"github.com/labstack/echo", hint{framework: "echo"}},
	{"github.com/gofiber/fiber", hint{framework: "fiber"}},
	{"github.com/jackc/pgx", hint{dep: "postgres"}},
	{"github.com/lib/pq", hint{dep: "postgres"}},
	{"gorm.io/driver/postgres", hint{dep: "postgres"}},
	{"github.com/go-sql-driver/mysql", hint{dep: "mysql"}},
	{"gorm.io/driver/mysql", hint{dep: "mysql"}},
	{"github.com/redis/go-redis", hint{dep: "redis"}},
	{"github.com/go-redis/redis", hint{dep: "redis"}},
	{"github.com/gomodule/redigo", hint{dep: "redis"}},
	{"github.com/hibiken/asynq", hint{dep: "redis"}}, // a job queue kept in Redis
	{"go.mongodb.org/mongo-driver", hint{dep: "mongodb"}},
	{"github.com/rabbitmq/amqp091-go", hint{dep: "rabbitmq"}},
	{"github.com/streadway/amqp", hint{dep: "rabbitmq"}},
	{"github.com/segmentio/kafka-go", hint{dep: "kafka"}},
	{"github.com/IBM/sarama", hint{dep: "kafka"}},
	{"github.com/Shopify/sarama", hint{dep: "kafka"}},
	{"github.com/confluentinc/confluent-kafka-go", hint{dep: "kafka", cgo: true}},
	{"github.com/twmb/franz-go", hint{dep: "kafka"}},
	// SQLite is a file, not a backing service; mattn's driver (also under
	// gorm's sqlite driver) and SQLCipher need cgo, modernc, glebarez
	// and ncruces do not.
	{"github.com/mattn/go-sqlite3", hint{cgo: true}},
	{"gorm.io/driver/sqlite", hint{cgo: true}},
	{"github.com/mutecomm/go-sqlcipher", hint{cgo: true}},
	{"github.com/xeodou/go-sqlcipher", hint{cgo: true}},
	{"modernc.org/sqlite", hint{}},
	{"github.com/glebarez/sqlite", hint{}},
	{"github.com/glebarez/go-sqlite", hint{}},
	{"github.com/ncruces/go-sqlite3", hint{}},
	// Other modules that wrap a C library.
	{"github.com/godror/godror", hint{cgo: true}},
	{"github.com/mattn/go-oci8", hint{cgo: true}},
	{"github.com/ceph/go-ceph", hint{cgo: true}},
	{"github.com/linxGnu/grocksdb", hint{cgo: true}},
	{"github.com/tecbot/gorocksdb", hint{cgo: true}},
	{"github.com/libgit2/git2go", hint{cgo: true}},
	{"gopkg.in/gographics/imagick", hint{cgo: true}},
	{"github.com/h2non/bimg", hint{cgo: true}},
	{"github.com/davidbyttow/govips", hint{cgo: true}},
	{"github.com/DataDog/zstd", hint{cgo: true}},
	{"github.com/valyala/gozstd", hint{cgo: true}},
	{"github.com/miekg/pkcs11", hint{cgo: true}},
	{"github.com/go-gl/glfw", hint{cgo: true}},
}

// nodeHints match npm package names exactly.
var nodeHints = map[string]hint{
	"express": {framework: "express"}, "fastify": {framework: "fastify"},
	"next": {framework: "next"}, "@nestjs/core": {framework: "nest"},
	"pg": {dep: "postgres"}, "pg-promise": {dep: "postgres"}, "postgres": {dep: "postgres"},
	"mysql": {dep: "mysql"}, "mysql2": {dep: "mysql"},
	"redis": {dep: "redis"}, "ioredis": {dep: "redis"},
	// Job queues kept in Redis.
	"bullmq": {dep: "redis"}, "bull": {dep: "redis"}, "bee-queue": {dep: "redis"},
	"mongodb": {dep: "mongodb"}, "mongoose": {dep: "mongodb"},
	"amqplib": {dep: "rabbitmq"}, "amqp-connection-manager": {dep: "rabbitmq"},
	"kafkajs": {dep: "kafka"}, "node-rdkafka": {dep: "kafka"},
	// SQLite drivers: a file, no backing service.
	"sqlite3": {}, "better-sqlite3": {}, "sqlite": {}, "@libsql/client": {},
}

// pythonHints match normalised Python distribution names exactly.
var pythonHints = map[string]hint{
	"flask": {framework: "flask"}, "fastapi": {framework: "fastapi"}, "django": {framework: "django"},
	"psycopg": {dep: "postgres"}, "psycopg2": {dep: "postgres"}, "psycopg2-binary": {dep: "postgres"},
	"asyncpg": {dep: "postgres"}, "pg8000": {dep: "postgres"},
	"pymysql": {dep: "mysql"}, "mysqlclient": {dep: "mysql"}, "aiomysql": {dep: "mysql"},
	"mysql-connector-python": {dep: "mysql"}, "redis": {dep: "redis"}, "aioredis": {dep: "redis"},
	"rq": {dep: "redis"}, "arq": {dep: "redis"}, // job queues kept in Redis
	"pymongo": {dep: "mongodb"}, "motor": {dep: "mongodb"},
	"pika": {dep: "rabbitmq"}, "aio-pika": {dep: "rabbitmq"},
	"kafka-python": {dep: "kafka"}, "confluent-kafka": {dep: "kafka"}, "aiokafka": {dep: "kafka"},
	"aiosqlite": {}, "pysqlite3": {}, "pysqlite3-binary": {},
}

// rustHints match crate names exactly.
var rustHints = map[string]hint{
	"actix-web": {framework: "actix"}, "axum": {framework: "axum"},
	"tokio-postgres": {dep: "postgres"}, "postgres": {dep: "postgres"},
	"mysql": {dep: "mysql"}, "mysql_async": {dep: "mysql"},
	"redis": {dep: "redis"}, "mongodb": {dep: "mongodb"},
	"lapin": {dep: "rabbitmq"}, "rdkafka": {dep: "kafka"},
}

// javaHints match Maven coordinates ("group:artifact") by substring, so
// they work on pom.xml dependencies and on Gradle build files alike.
var javaHints = []struct {
	substr string
	hint
}{
	{"org.springframework.boot", hint{framework: "spring-boot"}},
	{"org.postgresql:postgresql", hint{dep: "postgres"}},
	{"com.mysql:mysql-connector-j", hint{dep: "mysql"}},
	{"mysql:mysql-connector-java", hint{dep: "mysql"}},
	{"org.mariadb.jdbc", hint{dep: "mysql"}},
	{"spring-boot-starter-data-redis", hint{dep: "redis"}},
	{"redis.clients:jedis", hint{dep: "redis"}},
	{"io.lettuce", hint{dep: "redis"}},
	{"spring-boot-starter-data-mongodb", hint{dep: "mongodb"}},
	{"org.mongodb", hint{dep: "mongodb"}},
	{"spring-boot-starter-amqp", hint{dep: "rabbitmq"}},
	{"com.rabbitmq", hint{dep: "rabbitmq"}},
	{"spring-kafka", hint{dep: "kafka"}},
	{"org.apache.kafka", hint{dep: "kafka"}},
}

// addHint records what h says about the service.
func (s *Service) addHint(h hint) {
	if h.framework != "" {
		s.Frameworks = addUnique(s.Frameworks, h.framework)
	}
	if h.dep != "" {
		s.Deps = addUnique(s.Deps, h.dep)
	}
	if h.cgo {
		s.Frameworks = addUnique(s.Frameworks, "cgo")
	}
}

// sortHints puts frameworks and deps in a stable order.
func (s *Service) sortHints() {
	sort.Strings(s.Frameworks)
	sort.Strings(s.Deps)
}

// goHint returns the hint for a Go module path.
func goHint(mod string) (hint, bool) {
	for _, h := range goHints {
		if mod == h.prefix || strings.HasPrefix(mod, h.prefix+"/") {
			return h.hint, true
		}
	}
	return hint{}, false
}

// javaHintsIn adds every Java hint whose coordinates occur in text.
func (s *Service) javaHintsIn(text string) {
	for _, h := range javaHints {
		if strings.Contains(text, h.substr) {
			s.addHint(h.hint)
		}
	}
}

// devGroups name optional-dependency groups that are not the runtime.
var devGroups = map[string]bool{"dev": true, "test": true, "tests": true, "testing": true, "lint": true,
	"docs": true, "doc": true, "typing": true, "types": true, "mypy": true}

// runtimeDeps recomputes the backing services of a Node or Python service
// from its runtime dependencies only: package.json dependencies and
// optionalDependencies (not devDependencies or peerDependencies); a
// pyproject's dependencies and non-dev extras, Poetry's main dependencies,
// requirements.txt and the Pipfile's packages (no dev groups or dev
// requirement files). A Redis client used by the tests is no reason to
// run Redis next to the service.
func (d *detector) runtimeDeps(s *Service) {
	var names []string
	var ok bool
	var table map[string]hint
	switch s.Language {
	case Node:
		names, ok = d.nodeRuntimeDeps(s.Dir)
		table = nodeHints
	case Python:
		names, ok = d.pythonRuntimeDeps(s.Dir)
		table = pythonHints
	default:
		return
	}
	if !ok {
		return
	}
	s.Deps = nil
	for _, n := range names {
		if h, found := table[n]; found && h.dep != "" {
			s.Deps = addUnique(s.Deps, h.dep)
		}
	}
}

// nodeRuntimeDeps lists the dependencies and optionalDependencies of
// dir/package.json.
func (d *detector) nodeRuntimeDeps(dir string) ([]string, bool) {
	data, ok := d.readIndexed(join(dir, "package.json"))
	if !ok {
		return nil, false
	}
	var pj struct {
		Dependencies         map[string]any `json:"dependencies"`
		OptionalDependencies map[string]any `json:"optionalDependencies"`
	}
	if json.Unmarshal(data, &pj) != nil {
		return nil, false
	}
	var out []string
	for _, m := range []map[string]any{pj.Dependencies, pj.OptionalDependencies} {
		for n := range m {
			out = append(out, n)
		}
	}
	return out, true
}

// pyRuntime is the runtime part of pyproject.toml.
type pyRuntime struct {
	Project *struct {
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
	} `toml:"project"`
	Tool struct {
		Poetry *struct {
			Dependencies map[string]any `toml:"dependencies"`
		} `toml:"poetry"`
	} `toml:"tool"`
}

// pythonRuntimeDeps lists the runtime requirements of a Python service.
func (d *detector) pythonRuntimeDeps(dir string) ([]string, bool) {
	var out []string
	found := false
	if data, ok := d.readIndexed(join(dir, "pyproject.toml")); ok {
		var pp pyRuntime
		if toml.Unmarshal(data, &pp) == nil {
			if pr := pp.Project; pr != nil {
				found = true
				for _, r := range pr.Dependencies {
					out = append(out, pyName(r))
				}
				for group, reqs := range pr.OptionalDependencies {
					if devGroups[strings.ToLower(group)] {
						continue
					}
					for _, r := range reqs {
						out = append(out, pyName(r))
					}
				}
			}
			if po := pp.Tool.Poetry; po != nil {
				found = true
				for n := range po.Dependencies {
					out = append(out, pyName(n))
				}
			}
		}
	}
	if data, ok := d.readIndexed(join(dir, "requirements.txt")); ok {
		found = true
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "-") {
				continue
			}
			out = append(out, pyName(line))
		}
	}
	if data, ok := d.readIndexed(join(dir, "Pipfile")); ok {
		var pf struct {
			Packages map[string]any `toml:"packages"`
		}
		if toml.Unmarshal(data, &pf) == nil {
			found = true
			for n := range pf.Packages {
				out = append(out, pyName(n))
			}
		}
	}
	return out, found
}

// readIndexed reads a file the walk saw (from the cache when a manifest
// reader read it before).
func (d *detector) readIndexed(p string) ([]byte, bool) {
	if !d.idx.has(p) {
		return nil, false
	}
	return d.r.read(p)
}
