package stack

import (
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// reNodeImport finds the relative module specifiers of a JavaScript or
// TypeScript file: import ... from './x', import './x', export ... from
// './x' and require('./x').
var reNodeImport = regexp.MustCompile(`(?:\bfrom\s+|\bimport\s+|\brequire\(\s*)['"](\.{1,2}/[^'"\n]+)['"]`)

// configWords name the modules that hold an environment schema or the
// service's settings; only imports naming one of them are followed.
var configWords = []string{"config", "env", "setting"}

// nodeImports returns the source files, as repository paths, that the
// Node file at file imports by a relative path naming a configuration
// module ("./helpers/config/envalid", "../env"), when the walk kept them
// and they lie in the service directory dir. An envalid or zod schema
// kept deep in the tree is found this way without reading every folder.
func (d *detector) nodeImports(dir, file, code string) []string {
	var out []string
	for _, m := range reNodeImport.FindAllStringSubmatch(code, 32) {
		spec := m[1]
		lower := strings.ToLower(spec)
		named := false
		for _, w := range configWords {
			if strings.Contains(lower, w) {
				named = true
				break
			}
		}
		if !named {
			continue
		}
		base := path.Join(path.Dir(file), spec)
		if !within(base, dir) {
			continue
		}
		if p := d.resolveNodeModule(base); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// nodeModuleExts are the extensions a specifier without one may stand for.
var nodeModuleExts = []string{".ts", ".js", ".mts", ".mjs", ".cts", ".cjs"}

// resolveNodeModule maps a module path without or with an extension
// ("src/config/env", "src/env.js" for src/env.ts, a folder with an index)
// to a source file the walk kept, or "".
func (d *detector) resolveNodeModule(base string) string {
	var cands []string
	switch ext := path.Ext(base); ext {
	case ".js", ".mjs", ".cjs":
		// TypeScript imports name the emitted .js file.
		trimmed := strings.TrimSuffix(base, ext)
		cands = append(cands, base, trimmed+strings.Replace(ext, "j", "t", 1))
	case ".ts", ".mts", ".cts":
		cands = append(cands, base)
	default:
		for _, e := range nodeModuleExts {
			cands = append(cands, base+e)
		}
		for _, e := range nodeModuleExts[:2] {
			cands = append(cands, base+"/index"+e)
		}
	}
	for _, c := range cands {
		if d.knownSource(c) {
			return c
		}
	}
	return ""
}

// Bounds of the Go imports followed from a main package's files.
const (
	maxGoImportPkgs  = 4 // local packages per main file
	maxGoImportFiles = 2 // files per package
)

// goImports returns, as repository paths, a few files of the module's own
// packages that the Go file imports ("github.com/acme/metricsd/web" →
// web/web.go), for a main package that registers its routes and reads
// its settings in a package of its own. Test files and other modules'
// packages are never listed.
func (d *detector) goImports(s *Service, code string) []string {
	if s.Module == "" {
		return nil
	}
	quoted := regexp.QuoteMeta(s.Module)
	re := regexp.MustCompile(`"` + quoted + `/([\w./\-]+)"`)
	var out []string
	pkgs := 0
	for _, m := range re.FindAllStringSubmatch(code, -1) {
		if pkgs >= maxGoImportPkgs {
			break
		}
		sub := path.Clean(m[1])
		if strings.HasPrefix(sub, "..") {
			continue
		}
		dir := join(s.Dir, sub)
		names := append([]string(nil), d.idx.goFiles[dir]...)
		if len(names) == 0 {
			continue
		}
		pkgs++
		sort.SliceStable(names, func(i, j int) bool { return namePriority(names[i]) < namePriority(names[j]) })
		for _, n := range names[:min(len(names), maxGoImportFiles)] {
			out = append(out, join(dir, n))
		}
	}
	return out
}

// insertSources puts the files not yet in list right after position at,
// so a configuration module an early file imports is read before the
// folder files; the list stays within maxSourceFiles, the tail giving way.
func insertSources(list []string, at int, files []string) []string {
	for _, f := range files {
		if slices.Contains(list, f) {
			continue
		}
		list = slices.Insert(list, at, f)
		at++
		if len(list) > maxSourceFiles {
			list = list[:maxSourceFiles]
		}
		if at >= maxSourceFiles {
			break
		}
	}
	return list
}
