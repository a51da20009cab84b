package stack

import "testing"

// Ports stated only as configuration defaults: a Go config package's
// composite literal (gotify's Server{Port: 80}, before the TLS port) and
// an Hjson defaults file at a Cargo workspace's root (Lemmy's server crate
// reads config/defaults.hjson; the nested prometheus port is not it).
func TestPortFromConfigDefaults(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"go.mod":           "module example.com/notify\n\ngo 1.22\n",
		"main.go":          "package main\n\nimport \"example.com/notify/config\"\n\nfunc main() { config.Get() }\n",
		"config/config.go": "package config\n\ntype Server struct{ Port int }\n\nfunc Get() any {\n\treturn Server{\n\t\tPort: 80,\n\t\tSSL: SSL{\n\t\t\tPort:            443,\n\t\t},\n\t}\n}\n",
	}, Options{})
	if s := repo.Service("."); s == nil || s.Port != 80 || s.PortSource != "config/config.go" {
		t.Errorf("go service = %+v, want port 80 from config/config.go", s)
	}

	repo = mustDetect(t, map[string]string{
		"Cargo.toml":                "[workspace]\nmembers = [\"crates/server\", \"crates/utils\"]\n",
		"Cargo.lock":                "version = 4\n",
		"config/defaults.hjson":     "{\n  hostname: \"unset\"\n  prometheus: {\n    port: 10002\n  }\n  port: 8536\n}\n",
		"crates/server/Cargo.toml":  "[package]\nname = \"server\"\nversion = \"0.1.0\"\n\n[dependencies]\nactix-web = \"4\"\n",
		"crates/server/src/main.rs": "use actix_web::{App, HttpServer};\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    HttpServer::new(|| App::new()).bind((\"0.0.0.0\", settings.port))?.run().await\n}\n",
		"crates/utils/Cargo.toml":   "[package]\nname = \"utils\"\nversion = \"0.1.0\"\n",
		"crates/utils/src/lib.rs":   "pub fn x() {}\n",
	}, Options{})
	if s := repo.Service("crates/server"); s == nil || s.Port != 8536 {
		t.Errorf("server = %+v, want port 8536 from the workspace's config/defaults.hjson", s)
	}
	if s := repo.Service("crates/utils"); s == nil || s.Port != 0 {
		t.Errorf("utils = %+v, want no port: a library does not look above its directory", s)
	}
}

// A Java unit's sources state the environment it reads (System.getenv,
// @Value placeholders) and its health route, beside Spring's properties.
func TestJavaSourcesFacts(t *testing.T) {
	repo := mustDetect(t, map[string]string{
		"pom.xml": "<project><artifactId>shop</artifactId><dependencies><dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency></dependencies></project>\n",
		"src/main/java/com/example/shop/ShopApplication.java":      "package com.example.shop;\n@SpringBootApplication\npublic class ShopApplication {\n  public static void main(String[] args) {\n    String region = System.getenv(\"SHOP_REGION\");\n    SpringApplication.run(ShopApplication.class, args);\n  }\n}\n",
		"src/main/java/com/example/shop/web/HealthController.java": "package com.example.shop.web;\n@RestController\npublic class HealthController {\n  @Value(\"${PAYMENT_API_URL}\") String payments;\n  @Value(\"${CACHE_TTL:60}\") int ttl;\n  // System.getenv(\"COMMENTED_OUT\")\n  @GetMapping(\"/healthz\")\n  public String health() { return \"ok\"; }\n}\n",
	}, Options{})
	s := repo.Service(".")
	if s == nil {
		t.Fatal("no unit")
	}
	env := map[string]EnvVar{}
	for _, v := range s.Env {
		env[v.Name] = v
	}
	if _, ok := env["SHOP_REGION"]; !ok {
		t.Errorf("env %+v lacks SHOP_REGION (System.getenv)", s.Env)
	}
	if v, ok := env["PAYMENT_API_URL"]; !ok || !v.Required {
		t.Errorf("env %+v: PAYMENT_API_URL should be required (@Value without a default)", s.Env)
	}
	if v, ok := env["CACHE_TTL"]; !ok || v.Required || v.Default != "60" {
		t.Errorf("env %+v: CACHE_TTL should default to 60", s.Env)
	}
	if _, ok := env["COMMENTED_OUT"]; ok {
		t.Errorf("a commented-out getenv counted: %+v", s.Env)
	}
	if s.HealthPath != "/healthz" {
		t.Errorf("health path %q, want /healthz from the controller", s.HealthPath)
	}
}
