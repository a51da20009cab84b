package mode

import (
	"testing"

	"github.com/devops-lead/devops-lead/modes"
)

func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		r, err := Load(modes.FS, ".")
		if err != nil || len(r.All()) != 11 {
			b.Fatalf("Load: %v", err)
		}
	}
}

func BenchmarkMayWrite(b *testing.B) {
	r, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	m := r.Get("docker-compose-specialist")
	for b.Loop() {
		if m.MayWrite("services/api/k8s/deployment.yaml") {
			b.Fatal("compose may write a k8s manifest")
		}
	}
}
