package stack

import (
	"bytes"
	"encoding/xml"
	"path"
	"regexp"
	"strings"
)

// pom is the part of pom.xml detection reads.
type pom struct {
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
	Packaging  string `xml:"packaging"`
	FinalName  string `xml:"build>finalName"`
	Parent     struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Modules      []string `xml:"modules>module"`
	Dependencies []struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
	} `xml:"dependencies>dependency"`
	Plugins []struct {
		GroupID       string `xml:"groupId"`
		ArtifactID    string `xml:"artifactId"`
		Configuration struct {
			Release string `xml:"release"`
			Source  string `xml:"source"`
		} `xml:"configuration"`
	} `xml:"build>plugins>plugin"`
}

// property returns a pom property.
func (p *pom) property(name string) string {
	for _, e := range p.Properties.Entries {
		if e.XMLName.Local == name {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

// resolve expands one ${property} reference.
func (p *pom) resolve(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") {
		return p.property(v[2 : len(v)-1])
	}
	return v
}

// mavenService reads dir/pom.xml. A pom with packaging "pom" (an
// aggregator or a BOM) hands its Java version down and is not itself a
// service.
func (d *detector) mavenService(dir string) *Service {
	p := join(dir, "pom.xml")
	if !d.idx.has(p) {
		return nil
	}
	s := &Service{Dir: dir, Language: Java, Manifest: "pom.xml", PackageManager: "maven"}
	var pm pom
	parsed := false
	raw := ""
	if data, ok := d.r.read(p); ok {
		raw = string(data)
		dec := xml.NewDecoder(bytes.NewReader(data))
		dec.Strict = true
		if err := dec.Decode(&pm); err != nil {
			d.r.warn(p, "malformed pom.xml: %v; fix the XML", err)
		} else {
			parsed = true
		}
	}
	if parsed {
		v := ""
		for _, prop := range []string{"maven.compiler.release", "maven.compiler.source", "java.version"} {
			if v = javaVersion(pm.resolve(pm.property(prop))); v != "" {
				break
			}
		}
		for _, pl := range pm.Plugins {
			if v == "" && pl.ArtifactID == "maven-compiler-plugin" {
				if v = javaVersion(pm.resolve(pl.Configuration.Release)); v == "" {
					v = javaVersion(pm.resolve(pl.Configuration.Source))
				}
			}
			if pl.ArtifactID == "spring-boot-maven-plugin" {
				s.addHint(hint{framework: "spring-boot"})
			}
		}
		if v != "" {
			s.Version, s.VersionSource = v, "pom.xml"
			f := d.factsFor(dir)
			f.javaVersion, f.javaSource = v, p
		}
		s.Module = pm.ArtifactID
		if strings.HasPrefix(pm.Parent.ArtifactID, "spring-boot") {
			s.addHint(hint{framework: "spring-boot"})
		}
		for _, dep := range pm.Dependencies {
			s.javaHintsIn(dep.GroupID + ":" + dep.ArtifactID)
		}
		if pm.Packaging == "pom" {
			return nil // an aggregator or a BOM builds no application
		}
	}
	d.inheritJava(s)
	mvn := "mvn"
	if w := d.findUp(dir, "mvnw"); w != "" {
		mvn = "./mvnw"
		if path.Dir(w) != dir {
			mvn = rel(dir, w)
		}
	}
	s.Build = mvn + " -B -DskipTests package"
	s.Test = mvn + " -B verify"
	d.springPort(s)
	if parsed {
		mavenJar(s, &pm)
	}
	d.javaKindFacts(s, raw)
	return s
}

var (
	reGradleJavaVersion = regexp.MustCompile(`JavaVersion\.VERSION_(\d+)(?:_(\d+))?`)
	reGradleToolchain   = regexp.MustCompile(`(?:JavaLanguageVersion\.of|jvmToolchain)\(\s*(\d+)\s*\)`)
	reGradleSourceCompa = regexp.MustCompile(`sourceCompatibility\s*=\s*['"]?(\d+(?:\.\d+)?)`)
	reGradleInclude     = regexp.MustCompile(`(?m)^\s*include\b`)
)

// gradleVersion finds the Java version a Gradle build file states.
func gradleVersion(text string) string {
	if m := reGradleToolchain.FindStringSubmatch(text); m != nil {
		return javaVersion(m[1])
	}
	if m := reGradleJavaVersion.FindStringSubmatch(text); m != nil {
		if m[1] == "1" && m[2] != "" {
			return javaVersion(m[2])
		}
		return javaVersion(m[1])
	}
	if m := reGradleSourceCompa.FindStringSubmatch(text); m != nil {
		return javaVersion(m[1])
	}
	return ""
}

// gradleService reads dir/build.gradle(.kts). A multi-project root with
// no src/ of its own hands its Java version down and is not a service. A
// subproject with src/ and no build file is a unit built by the root's
// build file, which is then its Manifest ("../build.gradle").
func (d *detector) gradleService(dir string) *Service {
	manifest := gradleBuildFile(d.idx, dir)
	p := join(dir, manifest)
	if manifest == "" {
		// A subproject the root build file configures.
		if p = d.gradleMemberRoots()[dir]; p == "" {
			return nil
		}
		manifest = rel(dir, p)
	}
	s := &Service{Dir: dir, Language: Java, Manifest: manifest, PackageManager: "gradle"}
	text := ""
	if data, ok := d.r.read(p); ok {
		text = string(data)
	}
	if v := gradleVersion(text); v != "" {
		s.Version, s.VersionSource = v, manifest
		f := d.factsFor(dir)
		f.javaVersion, f.javaSource = v, p
	}
	s.javaHintsIn(text)
	if !d.idx.dirs[join(dir, "src")] {
		for _, settings := range []string{"settings.gradle.kts", "settings.gradle"} {
			sp := join(dir, settings)
			if !d.idx.has(sp) {
				continue
			}
			if data, ok := d.r.read(sp); ok && reGradleInclude.Match(data) {
				return nil
			}
		}
	}
	d.inheritJava(s)
	gradle := "gradle"
	if w := d.findUp(dir, "gradlew"); w != "" {
		gradle = "./gradlew"
		if path.Dir(w) != dir {
			gradle = rel(dir, w)
		}
	}
	s.Build = gradle + " build"
	s.Test = gradle + " test"
	d.springPort(s)
	d.gradleJar(s, text)
	d.javaKindFacts(s, text)
	return s
}

// inheritJava takes the Java version of a parent build above.
func (d *detector) inheritJava(s *Service) {
	if s.Version != "" {
		return
	}
	if v, src := d.inherited(s.Dir, func(f *dirFacts) (string, string) { return f.javaVersion, f.javaSource }); v != "" {
		s.Version, s.VersionSource = v, rel(s.Dir, src)
	}
}

// springPort reads server.port from the Spring configuration.
func (d *detector) springPort(s *Service) {
	const res = "src/main/resources/"
	for _, f := range []string{"application.properties", "application.yml", "application.yaml"} {
		if s.Port != 0 {
			return
		}
		p := join(s.Dir, res+f)
		if !d.idx.has(p) {
			continue
		}
		data, ok := d.r.read(p)
		if !ok {
			continue
		}
		if strings.HasSuffix(f, ".properties") {
			setPort(s, string(data), []*regexp.Regexp{reSpringPort}, res+f)
		} else {
			setPort(s, string(data), []*regexp.Regexp{reSpringYAML}, res+f)
		}
	}
}
