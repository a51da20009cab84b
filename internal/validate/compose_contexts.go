package validate

import (
	"path"
	"strings"

	"gopkg.in/yaml.v3"
)

// composeNamedContexts returns the names of the additional build contexts
// (build.additional_contexts) that Compose files in the workspace give the
// Dockerfile at workspace path df: in its directory and every directory
// above it, and among the checked files. A FROM naming one of them
// (FROM base with base: service:base or base: docker-image://...) is a
// context, not an image from a registry.
func composeNamedContexts(repo repoView, df string) map[string]bool {
	var files []string
	for d := path.Dir(df); ; d = path.Dir(d) {
		for _, name := range repo.list(d) {
			if isComposeName(strings.ToLower(name)) {
				files = append(files, path.Join(d, name))
			}
		}
		if d == "." || d == "/" {
			break
		}
	}
	for p := range repo.overlay {
		if isComposeName(strings.ToLower(path.Base(p))) {
			files = append(files, p)
		}
	}
	var names map[string]bool
	seen := map[string]bool{}
	for _, cf := range files {
		if seen[cf] {
			continue
		}
		seen[cf] = true
		data, ok := repo.readFile(cf)
		if !ok || !strings.Contains(string(data), "additional_contexts") {
			continue
		}
		for _, n := range composeAdditionalContexts(data, path.Dir(cf), df) {
			if names == nil {
				names = map[string]bool{}
			}
			names[strings.ToLower(n)] = true
		}
	}
	return names
}

// composeAdditionalContexts returns the additional context names of the
// services of one Compose file (in directory dir) that build df.
func composeAdditionalContexts(data []byte, dir, df string) []string {
	var doc struct {
		Services map[string]struct {
			Build yaml.Node `yaml:"build"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	for _, s := range doc.Services {
		if s.Build.Kind != yaml.MappingNode {
			continue
		}
		var b struct {
			Context    string    `yaml:"context"`
			Dockerfile string    `yaml:"dockerfile"`
			Additional yaml.Node `yaml:"additional_contexts"`
		}
		if s.Build.Decode(&b) != nil {
			continue
		}
		if b.Context == "" {
			b.Context = "."
		}
		if b.Dockerfile == "" {
			b.Dockerfile = "Dockerfile"
		}
		if !literal(b.Context) || !literal(b.Dockerfile) || path.Join(dir, b.Context, b.Dockerfile) != path.Clean(df) {
			continue
		}
		switch b.Additional.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(b.Additional.Content); i += 2 {
				out = append(out, b.Additional.Content[i].Value)
			}
		case yaml.SequenceNode:
			for _, n := range b.Additional.Content {
				if name, _, ok := strings.Cut(n.Value, "="); ok {
					out = append(out, name)
				}
			}
		}
	}
	return out
}
