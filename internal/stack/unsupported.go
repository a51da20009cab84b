package stack

import (
	"path"
	"regexp"
	"sort"
	"strings"
)

// unsupportedFiles map manifest names to the language id they show, for
// the languages the built-in specialists cannot build.
var unsupportedFiles = map[string]string{
	"dune-project": "ocaml", "composer.json": "php", "Gemfile": "ruby", "DESCRIPTION": "r",
	"CMakeLists.txt": "cpp", "meson.build": "cpp", "configure.ac": "cpp",
	"mix.exs": "elixir", "Package.swift": "swift", "stack.yaml": "haskell",
	"build.sbt": "scala", "pubspec.yaml": "dart", "build.zig": "zig",
	"deno.json": "deno", "deno.jsonc": "deno",
}

// unsupportedSuffixes map manifest name endings to their language id.
var unsupportedSuffixes = []struct{ suffix, lang string }{
	{".opam", "ocaml"}, {".csproj", "dotnet"}, {".fsproj", "dotnet"}, {".sln", "dotnet"}, {".cabal", "haskell"},
}

// languageNames are the names people know the unsupported language ids by.
var languageNames = map[string]string{
	"ocaml": "OCaml", "php": "PHP", "ruby": "Ruby", "r": "R", "cpp": "C/C++", "elixir": "Elixir",
	"swift": "Swift", "haskell": "Haskell", "scala": "Scala", "dart": "Dart", "zig": "Zig",
	"deno": "Deno", "dotnet": ".NET",
}

// LanguageName returns the name people know a language id by ("ocaml" →
// "OCaml", "dotnet" → ".NET", "cpp" → "C/C++"); an id it does not know is
// returned as it is.
func LanguageName(id string) string {
	if n := languageNames[id]; n != "" {
		return n
	}
	return id
}

// appLanguages are the unsupported languages whose projects commonly
// carry a package.json for their front-end assets (Rails, Laravel,
// Phoenix, ASP.NET): that package.json is part of their unit, not a
// Node service of its own.
var appLanguages = map[string]bool{"ruby": true, "php": true, "elixir": true, "dotnet": true}

// toolingFolders hold helpers, generators and vendored code: never the
// product of the repository.
var toolingFolders = map[string]bool{
	"tools": true, "tool": true, "scripts": true, "script": true, "hack": true,
	"third_party": true, "third-party": true, "thirdparty": true, "external": true,
	"extern": true, "contrib": true, "deps": true, "utils": true, "util": true,
	"misc": true, "bench": true, "benchmarks": true, "benchmark": true, "dev": true,
	"ci": true, "build-aux": true, "support": true, "vendored": true,
}

// unsupportedLanguage returns the language a file name shows, or "".
func unsupportedLanguage(name string) string {
	if l := unsupportedFiles[name]; l != "" {
		return l
	}
	for _, s := range unsupportedSuffixes {
		if strings.HasSuffix(name, s.suffix) && len(name) > len(s.suffix) {
			return s.lang
		}
	}
	return ""
}

// unsupportedName reports whether the walk should keep the file: it may
// show an unsupported language.
func unsupportedName(name string) bool { return unsupportedLanguage(name) != "" }

var (
	reRPackage    = regexp.MustCompile(`(?m)^Package:\s*\S`)
	reStackConfig = regexp.MustCompile(`(?m)^(?:resolver|snapshot):\s*\S`)
)

// confirmUnsupported reads the manifests whose names other tools also
// use: an R DESCRIPTION has a Package: field, a Haskell stack.yaml a
// resolver, and deno.json counts only without a package.json beside it.
func (d *detector) confirmUnsupported(p string) bool {
	switch baseName(p) {
	case "DESCRIPTION":
		data, ok := d.r.head(p, 4<<10)
		return ok && reRPackage.Match(data)
	case "stack.yaml":
		data, ok := d.r.head(p, 8<<10)
		return ok && reStackConfig.Match(data)
	case "deno.json", "deno.jsonc":
		return !d.idx.has(join(path.Dir(p), "package.json"))
	}
	return true
}

// unsupported finds the units in unsupported languages and adjusts the
// services around them:
//   - each directory is reported once per language, at the top of its
//     tree (a CMake project's nested CMakeLists.txt are not units);
//   - a Node unit sharing its directory with a Ruby, PHP, Elixir or .NET
//     project is that project's front-end assets (a build and a dev
//     server, wp-scripts start), not a service: it is dropped unless a web
//     framework, a server call or a port makes it one;
//   - when the root's language is unsupported (and not only by a root
//     Gemfile), the product is in that language: a service or worker under
//     a tooling folder (tools/, scripts/, third_party/...) or three or more
//     levels deep, or a root module whose main packages all sit three or
//     more levels deep (go/cmd/forwarder), is a helper, so it becomes a
//     cli with the reason said.
func (d *detector) unsupported(services []Service) ([]Service, []Unsupported) {
	var all []found
	for p := range d.idx.files {
		lang := unsupportedLanguage(baseName(p))
		if lang == "" || !d.confirmUnsupported(p) {
			continue
		}
		all = append(all, found{path.Dir(p), lang, baseName(p)})
	}
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if depth(a.dir) != depth(b.dir) {
			return depth(a.dir) < depth(b.dir)
		}
		if a.dir != b.dir {
			return a.dir < b.dir
		}
		if a.lang != b.lang {
			return a.lang < b.lang
		}
		return a.manifest < b.manifest
	})
	var out []Unsupported
	rootLang, rootManifest := "", ""
	seen := map[string]bool{} // dir + lang
	var tops []found
	for _, f := range all {
		if seen[f.dir+"\x00"+f.lang] {
			continue
		}
		nested := false
		for _, t := range tops {
			if t.lang == f.lang && within(f.dir, t.dir) {
				nested = true
				break
			}
		}
		if nested {
			continue
		}
		seen[f.dir+"\x00"+f.lang] = true
		tops = append(tops, f)
		if f.dir == "." && rootLang == "" {
			rootLang, rootManifest = f.lang, f.manifest
		}
		if d.inFocus(f.dir) {
			out = append(out, Unsupported{Dir: f.dir, Language: f.lang, Manifest: f.manifest})
		}
	}
	kept := services[:0]
	for _, s := range services {
		if s.Language == Node && (s.Kind != KindService || d.unit(s.Dir).rule == ruleDefault) && d.sharesAppDir(s.Dir, tops) {
			continue
		}
		kept = append(kept, s)
	}
	services = kept
	// A root Gemfile is often tooling (Danger, fastlane, a Jekyll site)
	// beside a product in another language: it does not demote anything.
	// A supported module at the root is the product unless its programs
	// all live deep in a folder of their own (vpnkit's go/cmd/...).
	if root := d.idxRootService(services); rootLang != "" && rootManifest != "Gemfile" && (root == nil || mainsDeep(root.Mains)) {
		for i := range services {
			demoteHelper(&services[i], rootLang, rootManifest)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir < out[j].Dir
		}
		return out[i].Language < out[j].Language
	})
	return services, out
}

// found is an unsupported manifest: its directory, language and name.
type found struct{ dir, lang, manifest string }

// sharesAppDir reports whether dir holds a Ruby, PHP, Elixir or .NET
// project.
func (d *detector) sharesAppDir(dir string, tops []found) bool {
	for _, t := range tops {
		if t.dir == dir && appLanguages[t.lang] {
			return true
		}
	}
	return false
}

// idxRootService returns the supported service at the root, or nil.
func (d *detector) idxRootService(services []Service) *Service {
	for i := range services {
		if services[i].Dir == "." {
			return &services[i]
		}
	}
	return nil
}

// mainsDeep reports whether every main package sits three or more
// levels down ("./go/cmd/forwarder"): a module at the root of another
// language's repository whose programs live in a subfolder of their own.
func mainsDeep(mains []string) bool {
	for _, m := range mains {
		if depth(path.Clean(strings.TrimPrefix(m, "./"))) < 3 {
			return false
		}
	}
	return len(mains) > 0
}

// demoteHelper turns a service or worker of a repository whose root is
// in an unsupported language into a cli when it sits in a tooling folder
// or deep in the tree.
func demoteHelper(s *Service, lang, manifest string) {
	if s.Kind != KindService && s.Kind != KindWorker {
		return
	}
	where := ""
	if f := folderOf(s.Dir, toolingFolders); f != "" {
		where = "under " + f + "/"
	} else if depth(s.Dir) >= 3 {
		where = "deep in the tree"
	} else if s.Dir == "." && mainsDeep(s.Mains) {
		where = "with its main packages under " + strings.SplitN(strings.TrimPrefix(s.Mains[0], "./"), "/", 2)[0] + "/"
	}
	if where == "" {
		return
	}
	s.Kind = KindCLI
	s.KindReason = "a " + string(s.Language) + " helper " + where + ": the repository's root is " + LanguageName(lang) +
		" (" + manifest + "), so this is not its product; was: " + s.KindReason
}
