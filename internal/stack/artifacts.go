package stack

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Limits on sniffing YAML files that are not in a likely directory.
const (
	maxSmallYAML   = 64
	smallYAMLBytes = 8 << 10
	// yamlSniffBytes is how much of a candidate YAML file is read.
	yamlSniffBytes = 8 << 10
	// maxYAMLSniffs bounds the YAML files read in all.
	maxYAMLSniffs = 500
)

// isDockerfile reports whether name is a Dockerfile (Dockerfile,
// Dockerfile.prod, api.Dockerfile, Containerfile).
func isDockerfile(name string) bool {
	lower := strings.ToLower(name)
	if lower == "dockerfile" || lower == "containerfile" {
		return true
	}
	if strings.HasPrefix(lower, "dockerfile.") && !strings.HasSuffix(lower, ".dockerignore") {
		return true
	}
	return strings.HasSuffix(lower, ".dockerfile")
}

// isCompose reports whether the lower-case name is a Compose file.
func isCompose(lower string) bool {
	if !strings.HasSuffix(lower, ".yml") && !strings.HasSuffix(lower, ".yaml") {
		return false
	}
	return strings.HasPrefix(lower, "docker-compose.") || strings.HasPrefix(lower, "compose.")
}

// notManifestYAML are YAML files of other tools that are never Kubernetes
// manifests or rule files.
var notManifestYAML = map[string]bool{
	"pnpm-lock.yaml": true, "pnpm-workspace.yaml": true, ".golangci.yml": true,
	".golangci.yaml": true, "mkdocs.yml": true, "mkdocs.yaml": true,
	".pre-commit-config.yaml": true, "codecov.yml": true, ".codecov.yml": true,
	".gitlab-ci.yml": true, "buf.yaml": true, "buf.gen.yaml": true,
	"openapi.yaml": true, "openapi.yml": true, "swagger.yaml": true, "swagger.yml": true,
	"environment.yml": true, "environment.yaml": true, ".travis.yml": true,
	"netlify.yml": true, "app.yaml": true, "serverless.yml": true, "serverless.yaml": true,
	"values.yaml": true, "values.yml": true, "chart.yaml": true, ".yamllint.yml": true,
	".yamllint.yaml": true, ".yamllint": true, "prometheus.yml": true, "prometheus.yaml": true,
	"alertmanager.yml": true, "alertmanager.yaml": true, "skaffold.yaml": true,
}

// likelyDirSegments are directory names where Kubernetes manifests live.
var likelyDirSegments = map[string]bool{
	"k8s": true, "kube": true, "kubernetes": true, "deploy": true,
	"deployment": true, "deployments": true, "manifests": true,
	"kustomize": true, "overlays": true, "base": true,
}

// likelyManifestDir reports whether a segment of dir names a place for
// Kubernetes manifests.
func likelyManifestDir(dir string) bool {
	for _, seg := range strings.Split(dir, "/") {
		if likelyDirSegments[strings.ToLower(seg)] {
			return true
		}
	}
	return false
}

// likelyRuleFile reports whether a YAML file may hold Prometheus rules.
func likelyRuleFile(dir, lower string) bool {
	if strings.Contains(lower, "rule") || strings.Contains(lower, "alert") {
		return true
	}
	for _, seg := range strings.Split(strings.ToLower(dir), "/") {
		if seg == "prometheus" || seg == "alerts" || seg == "monitoring" || seg == "rules" {
			return true
		}
	}
	return false
}

var (
	reAPIVersion = regexp.MustCompile(`(?m)^apiVersion:[ \t]*\S`)
	reKind       = regexp.MustCompile(`(?m)^kind:[ \t]*\S`)
	reGroups     = regexp.MustCompile(`(?m)^groups:`)
	reRule       = regexp.MustCompile(`(?m)^[ \t-]*(alert|record):[ \t]*\S`)
)

// classifyYAML tells whether YAML text is a Kubernetes manifest, a
// Prometheus rule file, or neither. Only the top level is looked at.
func classifyYAML(name string, data []byte) (k8s, prom bool) {
	lower := strings.ToLower(name)
	if lower == "kustomization.yaml" || lower == "kustomization.yml" {
		return true, false
	}
	if reAPIVersion.Match(data) && reKind.Match(data) {
		return true, false
	}
	if reGroups.Match(data) && reRule.Match(data) {
		return false, true
	}
	return false, false
}

// artifacts sniffs the YAML candidates and returns the sorted artifacts.
func (d *detector) artifacts() Artifacts {
	x := d.idx
	a := Artifacts{
		Dockerfiles:   sorted(x.dockerfiles),
		Dockerignores: sorted(x.dockerignores),
		ComposeFiles:  sorted(x.compose),
		Workflows:     sorted(x.workflows),
		HelmCharts:    sorted(x.charts),
		Wrangler:      sorted(x.wrangler),
	}
	for dir := range x.tfDirs {
		a.TerraformRoots = append(a.TerraformRoots, dir)
	}
	sort.Strings(a.TerraformRoots)
	for i, c := range x.yaml {
		if i == maxYAMLSniffs {
			d.r.warnings = append(d.r.warnings, fmt.Sprintf("%d YAML files not inspected for Kubernetes or Prometheus content (the cap is %d); focus on a subdirectory to see them",
				len(x.yaml)-maxYAMLSniffs, maxYAMLSniffs))
			break
		}
		data, ok := d.r.head(c.path, yamlSniffBytes)
		if !ok {
			continue
		}
		k8s, prom := classifyYAML(baseName(c.path), data)
		if k8s {
			a.Kubernetes = append(a.Kubernetes, c.path)
		}
		if prom {
			a.Prometheus = append(a.Prometheus, c.path)
		}
	}
	sort.Strings(a.Kubernetes)
	sort.Strings(a.Prometheus)
	return a
}

// sorted returns a sorted copy of s (nil for none).
func sorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// baseName is path.Base for clean slash paths.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
