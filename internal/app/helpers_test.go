package app

import "github.com/devops-lead/devops-lead/internal/validate"

func validateOpts(allowed func(string) bool) validate.Options {
	return validate.Options{Allowed: allowed, Owner: "test"}
}

func files(paths ...string) []validate.File {
	var out []validate.File
	for _, p := range paths {
		out = append(out, validate.File{Path: p, Content: []byte("x: 1\n")})
	}
	return out
}

func hasPathFinding(fs []validate.Finding) bool {
	for _, f := range fs {
		if f.Rule == "path-allowed" {
			return true
		}
	}
	return false
}
