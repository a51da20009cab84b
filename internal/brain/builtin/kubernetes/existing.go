package kubernetes

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"sort"

	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// k8sExistingMaxBytes bounds each existing manifest read.
const k8sExistingMaxBytes = 1 << 20

// k8sObjects maps "Kind/name" to the file that declares it, for the
// repository's existing Kubernetes manifests (stack detection lists
// them). A file that cannot be read or parsed is skipped: it only means
// its objects are not known.
func k8sObjects(ws fs.FS, files []string) map[string]string {
	out := map[string]string{}
	if ws == nil {
		return out
	}
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	for _, p := range sorted {
		b, err := workspace.ReadFile(ws, p, k8sExistingMaxBytes)
		if err != nil {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc struct {
				Kind     string `yaml:"kind"`
				Metadata struct {
					Name string `yaml:"name"`
				} `yaml:"metadata"`
			}
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				break
			}
			key := doc.Kind + "/" + doc.Metadata.Name
			if _, seen := out[key]; !seen && doc.Kind != "" && doc.Metadata.Name != "" {
				out[key] = p
			}
		}
	}
	return out
}
