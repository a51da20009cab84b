package stack

import "testing"

func TestVersionParsers(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"node >=", nodeMajor, ">=18", "18"},
		{"node caret", nodeMajor, "^20.11", "20"},
		{"node or", nodeMajor, "20 || 18.x", "18"},
		{"node upper only", nodeMajor, "<20", ""},
		{"node range", nodeMajor, ">=16.14 <21", "16"},
		{"node hyphen", nodeMajor, "16 - 20", "16"},
		{"node star", nodeMajor, "*", ""},
		{"node x", nodeMajor, "22.x", "22"},
		{"nvmrc v", nodeFileVersion, "v20.11.0\n", "20"},
		{"nvmrc lts", nodeFileVersion, "lts/hydrogen", "18"},
		{"nvmrc alias", nodeFileVersion, "node", ""},
		{"nvmrc unknown lts", nodeFileVersion, "lts/*", ""},
		{"python >=", pythonMinor, ">=3.11", "3.11"},
		{"python range", pythonMinor, ">=3.9,<4", "3.9"},
		{"python caret", pythonMinor, "^3.10", "3.10"},
		{"python compat", pythonMinor, "~=3.12.1", "3.12"},
		{"python upper only", pythonMinor, "<3.13", ""},
		{"python or", pythonMinor, ">=3.12 || >=3.10", "3.10"},
		{"python file", pythonFileVersion, "3.12.1\n", "3.12"},
		{"runtime.txt", pythonFileVersion, "python-3.11.4", "3.11"},
		{"python file pypy", pythonFileVersion, "pypy3.10", ""},
		{"java 1.8", javaVersion, "1.8", "8"},
		{"java 17", javaVersion, "17", "17"},
		{"java 21.0.2", javaVersion, "21.0.2", "21"},
		{"java junk", javaVersion, "${x}", ""},
		{"gradle toolchain", gradleVersion, "java { toolchain { languageVersion = JavaLanguageVersion.of(21) } }", "21"},
		{"gradle kotlin", gradleVersion, "kotlin { jvmToolchain(17) }", "17"},
		{"gradle VERSION_11", gradleVersion, "sourceCompatibility = JavaVersion.VERSION_11", "11"},
		{"gradle quoted", gradleVersion, "sourceCompatibility = '1.8'", "8"},
		{"gradle none", gradleVersion, "plugins { id 'java' }", ""},
		{"majorMinor", majorMinor, "1.22.3", "1.22"},
		{"majorMinor short", majorMinor, "1", ""},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s: f(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestGoVersion(t *testing.T) {
	tests := []struct{ toolchain, directive, want string }{
		{"go1.23.4", "1.22.3", "1.23"},
		{"", "1.22.3", "1.22"},
		{"default", "1.21", "1.21"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := goVersion(tt.toolchain, tt.directive); got != tt.want {
			t.Errorf("goVersion(%q, %q) = %q, want %q", tt.toolchain, tt.directive, got, tt.want)
		}
	}
}

func TestMakeTargets(t *testing.T) {
	got := makeTargets("VAR := 1\nX ?= 2\n.PHONY: build\nbuild test: deps\n\tgo build\nlint:\n\t@true\nrun::\n\ttrue\n")
	for _, want := range []string{"build", "test", "lint", "run"} {
		if !got[want] {
			t.Errorf("target %q missing from %v", want, got)
		}
	}
	for _, not := range []string{"VAR", "X", ".PHONY"} {
		if got[not] {
			t.Errorf("%q is not a target: %v", not, got)
		}
	}
}

func TestAsgiTarget(t *testing.T) {
	tests := map[string]string{
		"uvicorn app.main:app --host 0.0.0.0 --port 8000":        "app.main:app",
		"gunicorn -w 4 -b 0.0.0.0:8000 myproj.wsgi":              "myproj.wsgi",
		"python -m gunicorn --bind :80 -k uvicorn.workers.X a:b": "a:b",
		"python server.py": "",
	}
	for in, want := range tests {
		if got := asgiTarget(in); got != want {
			t.Errorf("asgiTarget(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPorts(t *testing.T) {
	tests := []struct {
		lang Language
		text string
		want int
	}{
		{Go, `log.Fatal(http.ListenAndServe(":8080", mux))`, 8080},
		{Go, `r.Run(":9000")`, 9000},
		{Go, `ln, _ := net.Listen("tcp", "0.0.0.0:7070")`, 7070},
		{Go, `port := os.Getenv("PORT"); if port == "" { port = "8088" }`, 8088},
		{Go, `fmt.Println("no port here")`, 0},
		{Node, `app.listen(3000, () => {})`, 3000},
		{Node, `const port = process.env.PORT || 4000;`, 4000},
		{Node, `await fastify.listen({ port: 3300, host: '0.0.0.0' })`, 3300},
		{Python, `uvicorn.run(app, host="0.0.0.0", port=8001)`, 8001},
		{Python, `app.run(debug=True)`, 0},
		{Rust, `HttpServer::new(f).bind(("0.0.0.0", 8090))?`, 8090},
		{Rust, `let addr = SocketAddr::from(([0, 0, 0, 0], 3000));`, 3000},
		{Go, `http.ListenAndServe(":99999", nil)`, 0},
	}
	for _, tt := range tests {
		if got := firstPort(tt.text, portPatterns[tt.lang]); got != tt.want {
			t.Errorf("%s %q: port %d, want %d", tt.lang, tt.text, got, tt.want)
		}
	}
}

func TestClassifyYAML(t *testing.T) {
	tests := []struct {
		name, text string
		k8s, prom  bool
	}{
		{"d.yaml", "apiVersion: apps/v1\nkind: Deployment\n", true, false},
		{"multi.yaml", "# c\n---\napiVersion: v1\nkind: Service\n", true, false},
		{"kustomization.yaml", "resources: []\n", true, false},
		{"rules.yml", "groups:\n- name: x\n  rules:\n  - record: job:up\n    expr: up\n", false, true},
		{"nested.yaml", "spec:\n  apiVersion: v1\n  kind: X\n", false, false},
		{"x.yaml", "a: b\n", false, false},
	}
	for _, tt := range tests {
		k, p := classifyYAML(tt.name, []byte(tt.text))
		if k != tt.k8s || p != tt.prom {
			t.Errorf("%s: k8s=%v prom=%v, want %v %v", tt.name, k, p, tt.k8s, tt.prom)
		}
	}
}
