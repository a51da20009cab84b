package stack

import (
	"reflect"
	"testing"
)

func TestDockerfileCommand(t *testing.T) {
	tests := []struct {
		text string
		args []string
		from string
	}{
		{"FROM x\nENTRYPOINT [ \"python\", \"email_server.py\" ]\n", []string{"python", "email_server.py"}, "ENTRYPOINT"},
		{"FROM x\nCMD [\"a\"]\nFROM y\nCMD [\"node\", \"server.js\"]\n", []string{"node", "server.js"}, "CMD"},
		{"ENTRYPOINT [\"gunicorn\"]\nCMD [\"-b\", \":8080\", \"app:app\"]\n", []string{"gunicorn", "-b", ":8080", "app:app"}, "ENTRYPOINT"},
		{"CMD python app.py\n", []string{"sh", "-c", "python app.py"}, "CMD"},
		{"CMD [not json\n", nil, ""},
		{"FROM x\n", nil, ""},
	}
	for _, tt := range tests {
		args, from := dockerfileCommand(tt.text)
		if !reflect.DeepEqual(args, tt.args) || from != tt.from {
			t.Errorf("%q: got %q from %q, want %q from %q", tt.text, args, from, tt.args, tt.from)
		}
	}
}

// TestPolyglotMicroservices covers a repository shaped like a polyglot
// microservices demo: gRPC services in Go, Node, Python and Java whose
// entries only their Dockerfiles name, and a .NET service.
func TestPolyglotMicroservices(t *testing.T) {
	files := map[string]string{
		"src/checkout/go.mod":            "module checkout\n\ngo 1.22\n\nrequire google.golang.org/grpc v1.60.0\n",
		"src/checkout/main.go":           "package main\n\nfunc main() { lis, _ := net.Listen(\"tcp\", \":5050\"); _ = lis }\n",
		"src/currency/package.json":      `{"name":"currency","dependencies":{"@grpc/grpc-js":"1"}}`,
		"src/currency/server.js":         "const server = new grpc.Server();\n",
		"src/currency/Dockerfile":        "FROM node:20\nEXPOSE 7000\nENTRYPOINT [ \"node\", \"server.js\" ]\n",
		"src/email/requirements.txt":     "grpcio\njinja2\n",
		"src/email/email_server.py":      "def start(): server = grpc.server(futures.ThreadPoolExecutor())\n",
		"src/email/Dockerfile":           "FROM python:3.12\nENV PORT 8080\nEXPOSE 8080\nENTRYPOINT [ \"python\", \"email_server.py\" ]\n",
		"src/recommend/requirements.txt": "grpcio\n",
		"src/recommend/Dockerfile":       "FROM python:3.12\nENTRYPOINT [\"python\", \"recommendation_server.py\"]\n",
		"src/ads/build.gradle":           "plugins { id 'java'\n id 'application' }\ndependencies { implementation \"io.grpc:grpc-netty:1.60\" }\napplication { mainClass = 'hipstershop.AdService' }\n",
		"src/ads/settings.gradle":        "rootProject.name = 'hipstershop'\n",
		"src/ads/src/main/java/A.java":   "",
		"src/cart/cart.sln":              "",
		"src/cart/src/cart.csproj":       "<Project/>",
	}
	repo := mustDetect(t, files, Options{})
	for _, w := range []unitWant{
		{dir: "src/checkout", kind: KindService, kindReason: "net.Listen in main.go", entry: ".", entryWhy: "root package", start: "go run ."},
		{dir: "src/currency", kind: KindService, kindReason: "port 7000 stated in Dockerfile",
			entry: "server.js", entryWhy: "server.js is the conventional entry file; start from the existing Dockerfile's ENTRYPOINT", start: "node server.js"},
		{dir: "src/email", kind: KindService, kindReason: "port 8080 stated in Dockerfile",
			entry: "email_server.py", entryWhy: "the existing Dockerfile's ENTRYPOINT", start: "python email_server.py"},
		{dir: "src/recommend", kind: KindService, kindReason: "depends on grpcio",
			entry: "recommendation_server.py", entryWhy: "the existing Dockerfile's ENTRYPOINT", start: "python recommendation_server.py"},
		{dir: "src/ads", kind: KindService, kindReason: "depends on grpc-netty",
			entry: "build/libs/hipstershop.jar", entryWhy: "not a Spring Boot jar"},
	} {
		checkUnit(t, repo, w)
	}
	if want := []Unsupported{{Dir: "src/cart", Language: "dotnet", Manifest: "cart.sln"}}; !reflect.DeepEqual(repo.Unsupported, want) {
		t.Errorf("unsupported %s, want %s", dump(repo.Unsupported), dump(want))
	}
}
