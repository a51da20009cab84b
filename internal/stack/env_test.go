package stack

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestEnvContract(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		dir   string
		want  []EnvVar
	}{
		{
			name: "go getenv with defaults, helpers and struct tags",
			files: map[string]string{
				"go.mod": "module example.com/api\n\ngo 1.22\n",
				"main.go": `package main

import ("cmp"; "os")

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	dsn := os.Getenv("DATABASE_URL")
	level := cmp.Or(os.Getenv("LOG_LEVEL"), "info")
	key, ok := os.LookupEnv("STRIPE_API_KEY")
	os.Setenv("GOMAXPROCS", "2")
	_ = getEnv("REGION", "eu-west-1")
	_ = mustEnv("JWT_SECRET")
}
`,
				"internal/config/config.go": "package config\n\ntype Config struct {\n\tRedis string `env:\"REDIS_ADDR\" envDefault:\"localhost:6379\"`\n\tToken string `env:\"GITHUB_TOKEN,required\"`\n\tName  string `json:\"name\"`\n}\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "DATABASE_URL", Secret: true, Source: "main.go"},
				{Name: "GITHUB_TOKEN", Required: true, Secret: true, Source: "internal/config/config.go"},
				{Name: "JWT_SECRET", Required: true, Secret: true, Source: "main.go"},
				{Name: "LOG_LEVEL", Default: "info", Source: "main.go"},
				{Name: "PORT", Default: "8080", Source: "main.go"},
				{Name: "REDIS_ADDR", Default: "localhost:6379", Source: "internal/config/config.go"},
				{Name: "REGION", Default: "eu-west-1", Source: "main.go"},
				{Name: "STRIPE_API_KEY", Secret: true, Source: "main.go"},
			},
		},
		{
			name: "express with process.env and an .env example",
			files: map[string]string{
				"package.json": `{"name":"api","scripts":{"start":"node src/server.js"},"dependencies":{"express":"^4"}}`,
				"src/server.js": `const { SESSION_SECRET, HOST = "0.0.0.0" } = process.env;
const port = Number(process.env.PORT) || 4141;
const url = process.env["MONGO_URL"] ?? 'mongodb://localhost/app';
const ttl = process.env.SESSION_TTL
  ? Number(process.env.SESSION_TTL)
  : 3600;
app.listen(port);
`,
				".env.example": "PORT=4141\nMONGO_URL=mongodb://mongo/app\nADMIN_PASSWORD=changeme\nFEATURE_X=on # toggles X\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "ADMIN_PASSWORD", Secret: true, Source: ".env.example"},
				{Name: "FEATURE_X", Default: "on", Source: ".env.example"},
				{Name: "HOST", Default: "0.0.0.0", Source: "src/server.js"},
				{Name: "MONGO_URL", Default: "mongodb://localhost/app", Source: "src/server.js"},
				{Name: "PORT", Default: "4141", Source: "src/server.js"},
				{Name: "SESSION_SECRET", Secret: true, Source: "src/server.js"},
				{Name: "SESSION_TTL", Default: "3600", Source: "src/server.js"},
			},
		},
		{
			name: "envalid schema",
			files: map[string]string{
				"package.json": `{"name":"bot","main":"src/index.ts","dependencies":{"envalid":"^8"}}`,
				"src/index.ts": "import './config/env'\n",
				"src/config/env.ts": `import { cleanEnv, str, port, url } from 'envalid'
export const env = cleanEnv(process.env, {
  NODE_ENV: str({ choices: ['development', 'production'], default: 'production' }),
  PORT: port({ default: 3000 }),
  DISCORD_TOKEN: str(),
  WEBHOOK_URL: url({ devDefault: 'http://localhost:9000' }),
})
`,
			},
			dir: ".",
			want: []EnvVar{
				{Name: "DISCORD_TOKEN", Required: true, Secret: true, Source: "src/config/env.ts"},
				{Name: "NODE_ENV", Default: "production", Source: "src/config/env.ts"},
				{Name: "PORT", Default: "3000", Source: "src/config/env.ts"},
				{Name: "WEBHOOK_URL", Required: true, Source: "src/config/env.ts"},
			},
		},
		{
			name: "envalid schema in a deep config module the entry imports",
			files: map[string]string{
				"package.json":                  `{"name":"api","main":"dist/index.js","scripts":{"start":"node dist/index.js"},"dependencies":{"express":"^4","envalid":"^8"}}`,
				"src/index.ts":                  "import app from './server'\nimport { env } from './helpers/config/envalid'\napp.listen(env.PORT)\n",
				"src/server.ts":                 "import express from 'express'\nimport { db } from './db/client.js'\nexport default express()\n",
				"src/db/client.ts":              "export const db = process.env.NOT_FOLLOWED\n",
				"src/helpers/config/envalid.ts": "import { cleanEnv, str, port } from 'envalid'\nexport const env = cleanEnv(process.env, {\n  MONGO_URL: str(),\n  PORT: port({ default: 4000 }),\n})\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "MONGO_URL", Required: true, Source: "src/helpers/config/envalid.ts"},
				{Name: "PORT", Default: "4000", Source: "src/helpers/config/envalid.ts"},
			},
		},
		{
			name: "zod schema parsed from process.env",
			files: map[string]string{
				"package.json": `{"name":"web","main":"src/main.ts"}`,
				"src/main.ts":  "import { env } from './env'\n",
				"src/env.ts": `import { z } from 'zod'
const schema = z.object({
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().optional(),
  PORT: z.coerce.number().default(8080),
  nested: z.object({ a: z.string() }),
})
export const env = schema.parse(process.env)
`,
			},
			dir: ".",
			want: []EnvVar{
				{Name: "DATABASE_URL", Required: true, Secret: true, Source: "src/env.ts"},
				{Name: "PORT", Default: "8080", Source: "src/env.ts"},
				{Name: "REDIS_URL", Source: "src/env.ts"},
			},
		},
		{
			name: "t3 createEnv with server and shared zod schemas, commented code and tool variables",
			files: map[string]string{
				"package.json": `{"name":"web","main":"src/main.ts"}`,
				"src/main.ts":  "export {}\n",
				"src/env.ts": `import { createEnv } from "@t3-oss/env-nextjs";
export const env = createEnv({
  shared: {
    NODE_ENV: z.enum(["development", "production"]).default("development"),
  },
  server: {
    POSTGRES_URL: z.url(),
    AUTH_SECRET: process.env.NODE_ENV === "production" ? z.string() : z.string().optional(),
  },
  client: {
    // NEXT_PUBLIC_CLIENTVAR: z.string(),
  },
  runtimeEnv: {
    NODE_ENV: process.env.NODE_ENV,
    // NEXT_PUBLIC_CLIENTVAR: process.env.NEXT_PUBLIC_CLIENTVAR,
  },
  skipValidation: !!process.env.CI || process.env.npm_lifecycle_event === "lint",
});
`,
			},
			dir: ".",
			want: []EnvVar{
				{Name: "AUTH_SECRET", Secret: true, Source: "src/env.ts"},
				{Name: "NODE_ENV", Default: "development", Source: "src/env.ts"},
				{Name: "POSTGRES_URL", Required: true, Source: "src/env.ts"},
			},
		},
		{
			name: "python os.environ and pydantic settings",
			files: map[string]string{
				"pyproject.toml": "[project]\nname = \"inventory\"\ndependencies = [\"fastapi\", \"pydantic-settings\"]\n",
				"app/main.py":    "import os\nfrom fastapi import FastAPI\napp = FastAPI()\nSECRET = os.environ[\"APP_SECRET\"]\nos.environ[\"TZ\"] = \"UTC\"\nDEBUG = os.getenv('DEBUG', 'false')\nWORKERS = os.environ.get(\"WORKERS\", 4)\n",
				"app/core/config.py": `from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INV_")

    database_url: str
    redis_host: str = "localhost"
    debug: bool = False
    api_token: str = Field(..., alias="UPSTREAM_TOKEN")
    timeout: int = Field(default=30)
    tags: list[str] = Field(default_factory=list)
    sentry_dsn: str | None = None

    def url(self) -> str:
        local: str = "x"
        return local


settings = Settings()
`,
			},
			dir: ".",
			want: []EnvVar{
				{Name: "APP_SECRET", Required: true, Secret: true, Source: "app/main.py"},
				{Name: "DEBUG", Default: "false", Source: "app/main.py"},
				{Name: "INV_DATABASE_URL", Required: true, Secret: true, Source: "app/core/config.py"},
				{Name: "INV_DEBUG", Default: "false", Source: "app/core/config.py"},
				{Name: "INV_REDIS_HOST", Default: "localhost", Source: "app/core/config.py"},
				{Name: "INV_SENTRY_DSN", Secret: true, Source: "app/core/config.py"},
				{Name: "INV_TAGS", Source: "app/core/config.py"},
				{Name: "INV_TIMEOUT", Default: "30", Source: "app/core/config.py"},
				{Name: "UPSTREAM_TOKEN", Required: true, Secret: true, Source: "app/core/config.py"},
				{Name: "WORKERS", Default: "4", Source: "app/main.py"},
			},
		},
		{
			name: "django settings package read through its project folder",
			files: map[string]string{
				"requirements.txt":           "Django==5.0\ngunicorn\n",
				"manage.py":                  "import os\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"site1.settings.dev\")\n",
				"site1/__init__.py":          "",
				"site1/wsgi.py":              "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
				"site1/settings/__init__.py": "",
				"site1/settings/common.py":   "import os\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\nDB_PASS = os.environ.get(\"SQL_PASSWORD\", \"\")\n",
				"site1/settings/dev.py":      "from .common import *\nDEBUG = True\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "SECRET_KEY", Required: true, Secret: true, Source: "site1/settings/common.py"},
				{Name: "SQL_PASSWORD", Secret: true, Source: "site1/settings/common.py"},
			},
		},
		{
			name: "spring placeholders",
			files: map[string]string{
				"pom.xml":                            "<project><artifactId>svc</artifactId><dependencies><dependency><groupId>org.postgresql</groupId><artifactId>postgresql</artifactId></dependency></dependencies></project>",
				"src/main/resources/application.yml": "server:\n  port: ${PORT:9966}\nspring:\n  datasource:\n    url: ${JDBC_URL:jdbc:postgresql://localhost:5432/petclinic}\n    username: ${DB_USER:app}\n    password: ${DB_PASSWORD}\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "DB_PASSWORD", Required: true, Secret: true, Source: "src/main/resources/application.yml"},
				{Name: "DB_USER", Default: "app", Source: "src/main/resources/application.yml"},
				{Name: "JDBC_URL", Default: "jdbc:postgresql://localhost:5432/petclinic", Source: "src/main/resources/application.yml"},
				{Name: "PORT", Default: "9966", Source: "src/main/resources/application.yml"},
			},
		},
		{
			name: "spring literal datasource becomes relaxed-binding variables",
			files: map[string]string{
				"build.gradle": "dependencies { runtimeOnly 'org.postgresql:postgresql' }\n",
				"src/main/resources/application.properties": "spring.datasource.url=jdbc:postgresql://localhost/app\nspring.datasource.password=secret\nspring.kafka.bootstrap-servers=localhost:9092\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "SPRING_DATASOURCE_PASSWORD", Secret: true, Source: "src/main/resources/application.properties"},
				{Name: "SPRING_DATASOURCE_URL", Default: "jdbc:postgresql://localhost/app", Source: "src/main/resources/application.properties"},
				{Name: "SPRING_KAFKA_BOOTSTRAPSERVERS", Default: "localhost:9092", Source: "src/main/resources/application.properties"},
			},
		},
		{
			name: "rust env::var",
			files: map[string]string{
				"Cargo.toml":  "[package]\nname = \"svc\"\n",
				"src/main.rs": "fn main() {\n    let port: u16 = env::var(\"FORUM_PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(8536);\n    let db = std::env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n    let w = env::var(\"WORKERS\").ok();\n    let t = env::var(\"TIMEOUT\").unwrap_or_else(|_| \"30\".into());\n    let addr = env::var(\"BIND_ADDR\").unwrap_or_else(|_| \"0.0.0.0:3000\".into());\n    let x = env::var(\"OPTIONAL\").ok();\n}\n",
			},
			dir: ".",
			want: []EnvVar{
				{Name: "BIND_ADDR", Default: "0.0.0.0:3000", Source: "src/main.rs"},
				{Name: "DATABASE_URL", Required: true, Secret: true, Source: "src/main.rs"},
				{Name: "FORUM_PORT", Default: "8536", Source: "src/main.rs"},
				{Name: "OPTIONAL", Source: "src/main.rs"},
				{Name: "TIMEOUT", Default: "30", Source: "src/main.rs"},
				{Name: "WORKERS", Source: "src/main.rs"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := mustDetect(t, tt.files, Options{})
			s := repo.Service(tt.dir)
			if s == nil {
				t.Fatalf("no service in %s: %s", tt.dir, dump(repo.Services))
			}
			if !reflect.DeepEqual(s.Env, tt.want) {
				t.Errorf("env:\n got %s\nwant %s", dump(s.Env), dump(tt.want))
			}
		})
	}
}

func TestEnvCaps(t *testing.T) {
	var b strings.Builder
	b.WriteString("package main\n\nimport \"os\"\n\nfunc main() {\n")
	for i := range 100 {
		fmt.Fprintf(&b, "\t_ = os.Getenv(\"VAR_%03d\")\n", i)
	}
	b.WriteString("}\n")
	files := map[string]string{"go.mod": "module m\n\ngo 1.22\n", "main.go": b.String()}
	// More source files than the cap: only maxSourceFiles are read.
	for i := range 30 {
		files[fmt.Sprintf("config/c%02d.go", i)] = fmt.Sprintf("package config\n\nvar _ = os.Getenv(\"CFG_%02d\")\n", i)
	}
	repo := mustDetect(t, files, Options{})
	s := repo.Service(".")
	if len(s.Env) != maxEnvVars {
		t.Fatalf("kept %d variables, want the cap %d", len(s.Env), maxEnvVars)
	}
	for _, v := range s.Env {
		if strings.HasPrefix(v.Name, "CFG_") {
			t.Errorf("%s kept although main.go filled the cap first", v.Name)
		}
	}
	// A small budget: the optional source reads are skipped, silently.
	small := mustDetect(t, files, Options{MaxBytes: 600})
	if small.BytesRead > 600 {
		t.Errorf("read %d bytes over a 600 byte cap", small.BytesRead)
	}
	if hasWarning(small, "config/c") {
		t.Errorf("optional source reads must not warn about the byte cap: %q", small.Warnings)
	}
}

func TestSecretNames(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "PGPASSWD": true, "CLIENT_SECRET": true, "GITHUB_TOKEN": true, "OPENAI_API_KEY": true,
		"SSH_PRIVATE_KEY": true, "GOOGLE_APPLICATION_CREDENTIALS": true, "DATABASE_URL": true, "SENTRY_DSN": true,
		"AWS_ACCESS_KEY": true, "PORT": false, "KEYCLOAK_REALM": false, "LOG_LEVEL": false, "REDIS_URL": false,
		"MONKEY": false, "ACCESS_TOKEN_EXPIRE_MINUTES": false, "PASSWORD_MIN_LENGTH": false, "JWT_SECRET_TTL": false,
	} {
		if got := isSecretName(name); got != want {
			t.Errorf("isSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestOwnPortVar(t *testing.T) {
	for name, want := range map[string]bool{
		"NOTIFY_SERVER_PORT": true, "MYAPP_HTTP_PORT": true, "API_LISTEN_PORT": true,
		"SMTP_SERVER_PORT": false, "NOTIFY_SMTP_SERVER_PORT": false, "DB_SERVER_PORT": false, "METRICS_HTTP_PORT": false,
		"SERVER_PORT": false, "_SERVER_PORT": false, "REDIS_PORT": false, "NOTIFY_PORT": false,
	} {
		if got := isOwnPortVar(name); got != want {
			t.Errorf("isOwnPortVar(%q) = %v, want %v", name, got, want)
		}
	}
}
