package stack

import (
	"sort"
	"strings"
)

// A hint maps a dependency name to a framework or a backing service.
type hint struct {
	framework string
	dep       string
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
	{"go.mongodb.org/mongo-driver", hint{dep: "mongodb"}},
	{"github.com/rabbitmq/amqp091-go", hint{dep: "rabbitmq"}},
	{"github.com/streadway/amqp", hint{dep: "rabbitmq"}},
	{"github.com/segmentio/kafka-go", hint{dep: "kafka"}},
	{"github.com/IBM/sarama", hint{dep: "kafka"}},
	{"github.com/Shopify/sarama", hint{dep: "kafka"}},
	{"github.com/confluentinc/confluent-kafka-go", hint{dep: "kafka"}},
	{"github.com/twmb/franz-go", hint{dep: "kafka"}},
}

// nodeHints match npm package names exactly.
var nodeHints = map[string]hint{
	"express": {framework: "express"}, "fastify": {framework: "fastify"},
	"next": {framework: "next"}, "@nestjs/core": {framework: "nest"},
	"pg": {dep: "postgres"}, "pg-promise": {dep: "postgres"}, "postgres": {dep: "postgres"},
	"mysql": {dep: "mysql"}, "mysql2": {dep: "mysql"},
	"redis": {dep: "redis"}, "ioredis": {dep: "redis"},
	"mongodb": {dep: "mongodb"}, "mongoose": {dep: "mongodb"},
	"amqplib": {dep: "rabbitmq"}, "amqp-connection-manager": {dep: "rabbitmq"},
	"kafkajs": {dep: "kafka"}, "node-rdkafka": {dep: "kafka"},
}

// pythonHints match normalised Python distribution names exactly.
var pythonHints = map[string]hint{
	"flask": {framework: "flask"}, "fastapi": {framework: "fastapi"}, "django": {framework: "django"},
	"psycopg": {dep: "postgres"}, "psycopg2": {dep: "postgres"}, "psycopg2-binary": {dep: "postgres"},
	"asyncpg": {dep: "postgres"}, "pg8000": {dep: "postgres"},
	"pymysql": {dep: "mysql"}, "mysqlclient": {dep: "mysql"}, "aiomysql": {dep: "mysql"},
	"mysql-connector-python": {dep: "mysql"}, "redis": {dep: "redis"}, "aioredis": {dep: "redis"},
	"pymongo": {dep: "mongodb"}, "motor": {dep: "mongodb"},
	"pika": {dep: "rabbitmq"}, "aio-pika": {dep: "rabbitmq"},
	"kafka-python": {dep: "kafka"}, "confluent-kafka": {dep: "kafka"}, "aiokafka": {dep: "kafka"},
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
