package stack

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Crate names that tell what a Rust unit is.
var (
	rustWebCrates    = []string{"axum", "actix-web", "rocket", "warp", "tide", "poem", "salvo", "tonic", "loco-rs", "ntex"}
	rustCLICrates    = []string{"clap", "argh", "structopt", "pico-args", "lexopt", "bpaf", "gumdrop"}
	rustWorkerCrates = []string{"lapin", "rdkafka", "apalis", "serenity", "teloxide", "async-nats"}
)

// reRsServe finds a server call in a Rust binary: a TCP listener bound, or
// a web server started without a framework crate the manifest names.
var reRsServe = regexp.MustCompile(`\bTcpListener::bind\(|\bHttpServer::new\(|\baxum::serve\(|\bServer::bind\(|\bwarp::serve\(|\bServer::builder\(`)

// rustBins lists the crate's binaries: [[bin]] targets, src/main.rs
// (named after the package) and src/bin/*.rs or src/bin/*/main.rs, each
// with the file it starts from.
func (d *detector) rustBins(s *Service, ct *cargoToml) map[string]string {
	bins := map[string]string{}
	for _, b := range ct.Bin {
		if b.Name == "" {
			continue
		}
		file := b.Path
		if file == "" {
			file = "src/bin/" + b.Name + ".rs"
		}
		bins[b.Name] = file
	}
	if s.Module != "" && d.idx.has(join(s.Dir, "src/main.rs")) {
		if _, ok := bins[s.Module]; !ok {
			bins[s.Module] = "src/main.rs"
		}
	}
	binDir := join(s.Dir, "src/bin")
	for p := range d.idx.files {
		if !strings.HasSuffix(p, ".rs") {
			continue
		}
		switch {
		case path.Dir(p) == binDir:
			name := strings.TrimSuffix(baseName(p), ".rs")
			if _, ok := bins[name]; !ok {
				bins[name] = strings.TrimPrefix(p, s.Dir+"/")
			}
		case baseName(p) == "main.rs" && path.Dir(path.Dir(p)) == binDir:
			name := baseName(path.Dir(p))
			if _, ok := bins[name]; !ok {
				bins[name] = strings.TrimPrefix(p, s.Dir+"/")
			}
		}
	}
	if s.Dir == "." {
		for n, f := range bins {
			bins[n] = strings.TrimPrefix(f, "./")
		}
	}
	return bins
}

// rustEntry picks the binary to run (named like the package, else the
// first by name), sets Start, and records the kind facts.
func (d *detector) rustEntry(s *Service, ct *cargoToml) {
	u := d.unit(s.Dir)
	for _, deps := range []map[string]any{ct.Dependencies} {
		for name := range deps {
			u.deps[name] = true
		}
	}
	bins := d.rustBins(s, ct)
	if len(bins) == 0 {
		why := "a Rust crate with no binary"
		if ct.Lib != nil || d.idx.has(join(s.Dir, "src/lib.rs")) {
			why += " (src/lib.rs): a library"
		}
		u.add(KindLibrary, "%s", why)
		return
	}
	names := make([]string, 0, len(bins))
	for n := range bins {
		names = append(names, n)
	}
	sort.Strings(names)
	best, why := names[0], "the first binary by name"
	if _, ok := bins[s.Module]; ok {
		best, why = s.Module, "the binary named like the package"
	}
	if len(names) == 1 {
		why = "the only binary"
	}
	s.Entry = best
	s.EntryReason = fmt.Sprintf("%s (%s)", why, bins[best])
	if len(names) > 1 {
		others := make([]string, 0, len(names)-1)
		for _, n := range names {
			if n != best {
				others = append(others, n)
			}
		}
		s.EntryReason += "; also: " + strings.Join(others, ", ")
		s.Start = "cargo run --release --bin " + best
	} else {
		s.Start = "cargo run --release"
	}
	d.sourcePort(s, bins[best])
	if c := firstDep(u.deps, rustWebCrates); c != "" {
		u.add(KindService, "depends on %s", c)
	}
	d.serverCall(s, bins[best], reRsServe)
	if c := firstDep(u.deps, rustCLICrates); c != "" {
		u.add(KindCLI, "depends on %s, no web framework", c)
	}
	if c := firstDep(u.deps, rustWorkerCrates); c != "" && s.Port == 0 {
		u.add(KindWorker, "depends on %s, no web framework or port", c)
	}
}
