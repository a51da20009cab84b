package stack

import (
	"fmt"
	"path"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// cargoToml is the part of Cargo.toml detection reads. Version-like
// fields are `any` because they may be {workspace = true}.
type cargoToml struct {
	Package *struct {
		Name        string `toml:"name"`
		Edition     any    `toml:"edition"`
		RustVersion any    `toml:"rust-version"`
	} `toml:"package"`
	Workspace *struct {
		Package struct {
			Edition     string `toml:"edition"`
			RustVersion string `toml:"rust-version"`
		} `toml:"package"`
	} `toml:"workspace"`
	Dependencies    map[string]any `toml:"dependencies"`
	DevDependencies map[string]any `toml:"dev-dependencies"`
	// Bin are the [[bin]] targets; Lib is the [lib] target.
	Bin []struct {
		Name string `toml:"name"`
		Path string `toml:"path"`
	} `toml:"bin"`
	Lib *struct {
		Name string `toml:"name"`
	} `toml:"lib"`
}

// rustToolchain is rust-toolchain.toml.
type rustToolchain struct {
	Toolchain struct {
		Channel string `toml:"channel"`
	} `toml:"toolchain"`
}

// rustService reads dir/Cargo.toml; a pure [workspace] hands its
// rust-version and edition down and is not itself a service.
func (d *detector) rustService(dir string) *Service {
	p := join(dir, "Cargo.toml")
	if !d.idx.has(p) {
		return nil
	}
	s := &Service{Dir: dir, Language: Rust, Manifest: "Cargo.toml", PackageManager: "cargo",
		Build: "cargo build --release", Test: "cargo test"}
	var ct cargoToml
	if data, ok := d.r.read(p); ok {
		if err := toml.Unmarshal(data, &ct); err != nil {
			d.r.warn(p, "malformed Cargo.toml: %v; fix the TOML", err)
		}
	}
	if ct.Workspace != nil {
		f := d.factsFor(dir)
		if v := majorMinor(ct.Workspace.Package.RustVersion); v != "" {
			f.rustVersion, f.rustSource = v, p
		}
		f.rustEdition = ct.Workspace.Package.Edition
		if ct.Package == nil {
			return nil
		}
	}
	if ct.Package != nil {
		s.Module = ct.Package.Name
		if v, ok := ct.Package.RustVersion.(string); ok {
			if s.Version = majorMinor(v); s.Version != "" {
				s.VersionSource = "Cargo.toml"
			}
		}
		if e, ok := ct.Package.Edition.(string); ok {
			s.Edition = e
		}
	}
	if s.Edition == "" {
		s.Edition, _ = d.inherited(dir, func(f *dirFacts) (string, string) { return f.rustEdition, "" })
	}
	d.rustVersion(s)
	if lock := d.findUp(dir, "Cargo.lock"); lock != "" {
		if path.Dir(lock) == dir {
			s.Lockfile = "Cargo.lock"
		} else {
			s.WorkspaceLock = lock
		}
	}
	for _, deps := range []map[string]any{ct.Dependencies, ct.DevDependencies} {
		for name, spec := range deps {
			if h, ok := rustHints[name]; ok {
				s.addHint(h)
			}
			if name == "sqlx" || name == "diesel" || name == "sea-orm" {
				for _, feat := range cargoFeatures(spec) {
					switch {
					case strings.Contains(feat, "postgres"):
						s.addHint(hint{dep: "postgres"})
					case strings.Contains(feat, "mysql"):
						s.addHint(hint{dep: "mysql"})
					}
				}
			}
		}
	}
	d.sourcePort(s, "src/main.rs")
	d.rustEntry(s, &ct)
	return s
}

// rustVersion: rust-toolchain(.toml) here or above wins (it is what
// builds), then rust-version, then the workspace's rust-version.
func (d *detector) rustVersion(s *Service) {
	for _, name := range []string{"rust-toolchain.toml", "rust-toolchain"} {
		p := d.findUp(s.Dir, name)
		if p == "" {
			continue
		}
		data, ok := d.r.read(p)
		if !ok {
			continue
		}
		channel := strings.TrimSpace(firstLine(string(data)))
		if name == "rust-toolchain.toml" || strings.HasPrefix(channel, "[") {
			var tc rustToolchain
			if err := toml.Unmarshal(data, &tc); err != nil {
				d.r.warn(p, "malformed %s: %v; fix the TOML", name, err)
				continue
			}
			channel = tc.Toolchain.Channel
		}
		if v := majorMinor(channel); v != "" {
			s.Version, s.VersionSource = v, rel(s.Dir, p)
			if path.Dir(p) == s.Dir {
				s.VersionSource = name
			}
			return
		}
	}
	if s.Version != "" {
		return
	}
	if v, src := d.inherited(s.Dir, func(f *dirFacts) (string, string) { return f.rustVersion, f.rustSource }); v != "" {
		s.Version, s.VersionSource = v, rel(s.Dir, src)
	}
}

// cargoFeatures returns the features of a dependency table.
func cargoFeatures(spec any) []string {
	m, ok := spec.(map[string]any)
	if !ok {
		return nil
	}
	list, _ := m["features"].([]any)
	out := make([]string, 0, len(list))
	for _, f := range list {
		out = append(out, fmt.Sprint(f))
	}
	return out
}
