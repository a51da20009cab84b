package validate

import "testing"

// FuzzDockerignore feeds .dockerignore patterns straight to the checker:
// any input gives findings, never a panic.
func FuzzDockerignore(f *testing.F) {
	for _, s := range []string{".git\n.env\nnode_modules\n", "[", "!**/*.go\n\\", "a/**/b\n#c\n"} {
		f.Add([]byte(s))
	}
	for _, b := range testdataFiles(f, "dockerignore-", KindDockerignore) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDockerignore(".dockerignore", data)
	})
}

// FuzzGeneric feeds the same bytes to the YAML, JSON and TOML parse checks.
func FuzzGeneric(f *testing.F) {
	for _, s := range []string{"a: [1, {b: c}]\n---\nd: e\n", `{"a": [1, 2, {"b": null}]}`, "a = 1\n[b]\nc = 'd'\n", "&a [*a]", "{"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkYAML("x.yaml", data)
		checkJSON("x.json", data)
		checkTOML("x.toml", data)
	})
}
