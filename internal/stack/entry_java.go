package stack

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	reGradleVersion  = regexp.MustCompile(`(?m)^\s*version\s*=?\s*['"]([^'"]+)['"]`)
	reGradleRootName = regexp.MustCompile(`rootProject\.name\s*=\s*['"]([^'"]+)['"]`)
	reGradleApp      = regexp.MustCompile(`(?m)(?:\bapplication\b\s*(?:\{|$)|mainClass(?:Name)?\s*[.=(]|\bid\s*\(?\s*['"]application['"])`)
)

// mavenJar sets Entry and Start to the jar Maven packages:
// target/<finalName or artifactId-version>.<jar|war>.
func mavenJar(s *Service, pm *pom) {
	ext := "jar"
	if pm.Packaging == "war" {
		ext = "war"
	}
	name := pm.resolve(pm.FinalName)
	why := "<build><finalName> in pom.xml"
	if name == "" || strings.Contains(name, "${") {
		version := pm.resolve(pm.Version)
		if version == "" && !strings.Contains(pm.Version, "${") {
			version = pm.resolve(pm.Parent.Version)
		}
		why = "artifactId and version in pom.xml"
		if version == "" || strings.Contains(version, "${") {
			version = "*"
			why = "artifactId in pom.xml; the version is not stated plainly, so a wildcard"
		}
		if pm.ArtifactID == "" {
			return
		}
		name = pm.ArtifactID + "-" + version
	}
	s.Entry = "target/" + name + "." + ext
	s.EntryReason = fmt.Sprintf("mvn package builds %s (%s)", s.Entry, why)
	startJar(s)
}

// globEntry moves a wildcard jar name out of Entry (which must be a plain
// path a Dockerfile line can take) into EntryReason; Start keeps it, for a
// shell expands it.
func globEntry(s *Service) {
	if strings.Contains(s.Entry, "*") {
		s.EntryReason = "the jar " + s.Entry + ": " + s.EntryReason
		s.Entry = ""
	}
}

// startJar sets Start to run the jar when it is a Spring Boot fat jar;
// a plain jar needs a Main-Class and its dependencies on the class path,
// which detection cannot promise.
func startJar(s *Service) {
	defer globEntry(s)
	switch {
	case !strings.HasSuffix(s.Entry, ".jar"):
	case hasFramework(s, "spring-boot"):
		s.Start = "java -jar " + s.Entry
	default:
		s.EntryReason += "; not a Spring Boot jar, so no start command (java -jar needs a Main-Class and the dependencies)"
	}
}

// gradleJar sets Entry and Start to the jar Gradle builds in build/libs:
// <project name>-<version>.jar (Spring Boot's bootJar, not the -plain jar).
func (d *detector) gradleJar(s *Service, text string) {
	name := baseName(s.Dir)
	why := "the directory name"
	for _, settings := range []string{"settings.gradle.kts", "settings.gradle"} {
		if data, ok := d.r.read(join(s.Dir, settings)); ok {
			if m := reGradleRootName.FindSubmatch(data); m != nil {
				name, why = string(m[1]), "rootProject.name in "+settings
			}
			break
		}
	}
	version := ""
	if m := reGradleVersion.FindStringSubmatch(text); m != nil {
		version = m[1]
	}
	if name == "." {
		// Without settings.gradle the root project is named after the
		// directory it is checked out in, which detection cannot know.
		if version == "" {
			s.EntryReason = "no rootProject.name in settings.gradle and no version, so the jar's name is unknown: set rootProject.name"
			return
		}
		name, why = "*", "no rootProject.name in settings.gradle, so a wildcard for the checkout directory's name"
	}
	jar := name
	if version != "" {
		jar += "-" + version
		why += " and version in " + s.Manifest
	}
	s.Entry = "build/libs/" + jar + ".jar"
	s.EntryReason = fmt.Sprintf("gradle build makes %s (%s)", s.Entry, why)
	if hasFramework(s, "spring-boot") {
		s.EntryReason += "; the -plain jar beside it has no dependencies and is skipped"
	}
	startJar(s)
}

// hasFramework reports whether the service lists framework f.
func hasFramework(s *Service, f string) bool {
	for _, x := range s.Frameworks {
		if x == f {
			return true
		}
	}
	return false
}

// Java coordinates (artifact names) that tell what a unit is.
var (
	javaWebArtifacts = []string{"spring-boot-starter-webflux", "spring-boot-starter-web", "quarkus-rest",
		"quarkus-resteasy", "micronaut-http-server", "javalin", "helidon-webserver", "dropwizard-core",
		"vertx-web", "spark-core"}
	javaWorkerArtifacts = []string{"spring-kafka", "spring-boot-starter-amqp", "kafka-clients", "spring-rabbit"}
)

// javaDefaultPorts name the framework of the web artifacts whose server
// listens on 8080 when no port is configured.
var javaDefaultPorts = map[string]string{
	"spring-boot-starter-webflux": "Spring Boot", "spring-boot-starter-web": "Spring Boot",
	"quarkus-rest": "Quarkus", "quarkus-resteasy": "Quarkus", "micronaut-http-server": "Micronaut",
}

// firstIn returns the first name that text contains, or "".
func firstIn(text string, names []string) string {
	for _, n := range names {
		if strings.Contains(text, n) {
			return n
		}
	}
	return ""
}

// javaKindFacts records what the build file says the unit is.
func (d *detector) javaKindFacts(s *Service, text string) {
	u := d.unit(s.Dir)
	before := len(u.facts)
	if a := firstIn(text, javaWebArtifacts); a != "" {
		u.add(KindService, "depends on %s", a)
		if name := javaDefaultPorts[a]; name != "" {
			u.defaultPort, u.defaultWhy = 8080, name+"'s default: no server.port stated"
		}
	}
	if s.Port != 0 {
		u.add(KindService, "server.port %d in %s", s.Port, s.PortSource)
	}
	if a := firstIn(text, javaWorkerArtifacts); a != "" {
		u.add(KindWorker, "depends on %s and has no web starter", a)
	}
	if strings.Contains(text, "io.grpc:grpc-netty") || strings.Contains(text, "<artifactId>grpc-netty") {
		u.addWeak(KindService, "depends on grpc-netty (a gRPC server)")
	}
	if hasFramework(s, "spring-boot") {
		u.addWeak(KindCLI, "a Spring Boot application with no web starter or server.port (a command-line runner)")
	}
	if strings.Contains(text, "<mainClass>") || (s.PackageManager == "gradle" && reGradleApp.MatchString(text)) {
		u.addWeak(KindCLI, "a main class and no web framework or port")
	}
	if len(u.facts) == before && len(u.weak) == 0 {
		if src := d.javaMainClass(s.Dir); src != "" {
			u.addWeak(KindCLI, "a main method in %s and no web framework or port", src)
			return
		}
		u.addWeak(KindLibrary, "no spring-boot, web framework or main class: a library")
	}
}
