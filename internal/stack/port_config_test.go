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
