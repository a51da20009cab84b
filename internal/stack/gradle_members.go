package stack

import (
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Gradle subprojects configured from the root: settings.gradle includes
// them and the root build.gradle's allprojects/subprojects blocks build
// them, so they have a src/ of their own and no build file. Each is a unit
// whose manifest is the root build file.

// gradleMemberRoots maps each such subproject directory to the root build
// file that configures it (computed once).
func (d *detector) gradleMemberRoots() map[string]string {
	if d.gradleRoots != nil {
		return d.gradleRoots
	}
	d.gradleRoots = map[string]string{}
	var settings []string
	for p := range d.idx.files {
		if b := baseName(p); b == "settings.gradle" || b == "settings.gradle.kts" {
			settings = append(settings, p)
		}
	}
	sort.Strings(settings)
	for _, p := range settings {
		root := path.Dir(p)
		build := gradleBuildFile(d.idx, root)
		if build == "" {
			continue
		}
		w := d.gradleSubprojects(p)
		if w == nil {
			continue
		}
		for _, m := range w.Members {
			if m == root || gradleBuildFile(d.idx, m) != "" || !d.idx.dirs[join(m, "src")] {
				continue
			}
			if _, seen := d.gradleRoots[m]; !seen {
				d.gradleRoots[m] = join(root, build)
			}
		}
	}
	return d.gradleRoots
}

// gradleBuildFile returns the name of dir's Gradle build file, or "".
func gradleBuildFile(x *index, dir string) string {
	for _, name := range []string{"build.gradle.kts", "build.gradle"} {
		if x.has(join(dir, name)) {
			return name
		}
	}
	return ""
}

// Limits of the search for a Java main class in a unit's sources.
const (
	maxJavaEntries = 400
	maxJavaReads   = 24
	javaHeadBytes  = 16 << 10
)

// reJavaMain finds a main method: "public static void main(String[] args)"
// or "static void main(final String... args)".
var reJavaMain = regexp.MustCompile(`\bstatic\s+void\s+main\s*\(\s*(?:final\s+)?String\s*(?:\[\s*\]|\.\.\.)`)

// javaMainClass returns the source file, relative to the unit, of a class
// with a main method under src/main/java (or src/main/kotlin for .java
// files), or "". The search is bounded; shallow files come first.
func (d *detector) javaMainClass(dir string) string {
	base := join(dir, "src/main/java")
	if !d.idx.dirs[base] {
		return ""
	}
	var files []string
	entries := 0
	_ = fs.WalkDir(d.fsys, base, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		entries++
		if entries > maxJavaEntries {
			return fs.SkipAll
		}
		if !e.IsDir() && strings.HasSuffix(p, ".java") {
			files = append(files, p)
		}
		return nil
	})
	sort.SliceStable(files, func(i, j int) bool { return depth(files[i]) < depth(files[j]) })
	for i, p := range files {
		if i >= maxJavaReads {
			break
		}
		if data, ok := d.optRead(p, javaHeadBytes); ok && reJavaMain.Match(data) {
			return strings.TrimPrefix(p, dir+"/")
		}
	}
	return ""
}

// manifestPath is the repository path of s's manifest, which may lie
// above Dir ("../build.gradle" of a Gradle subproject).
func manifestPath(s *Service) string {
	return path.Join(s.Dir, s.Manifest)
}
