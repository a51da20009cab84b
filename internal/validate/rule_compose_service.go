package validate

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Per-service Compose rules, read from the YAML nodes: pinned images,
// privileged and host namespaces, literal secrets, the Docker socket,
// healthchecks of dependencies.

// checkComposeService runs the per-service rules.
func checkComposeService(p, name string, svc *yaml.Node, healthy map[string]bool) []Finding {
	var out []Finding
	if svc == nil || svc.Kind != yaml.MappingNode {
		return nil
	}
	imgKey, img := ynGet(svc, "image")
	buildKey, _ := ynGet(svc, "build")
	if imgKey != nil && buildKey == nil {
		if ref, ok := ynScalar(img); ok {
			if problem := refPinProblem(ref); problem != "" {
				out = append(out, ruleComposeImageTag.at(p, img.Line, img.Column, "service %s: image %q %s", name, ref, problem))
			}
		}
	}
	if k, v := ynGet(svc, "privileged"); k != nil && ynTrue(v) {
		out = append(out, ruleComposePrivileged.at(p, k.Line, k.Column, "service %s runs privileged: it has every capability on the host", name))
	}
	for _, key := range []string{"network_mode", "pid", "ipc"} {
		if k, v := ynGet(svc, key); k != nil {
			if s, _ := ynScalar(v); s == "host" {
				out = append(out, ruleComposeHostNS.at(p, k.Line, k.Column, "service %s uses %s: host", name, key))
			}
		}
	}
	out = append(out, composeSecrets(p, name, svc)...)
	out = append(out, composeSocket(p, name, svc)...)
	out = append(out, composeDepends(p, name, svc, healthy)...)
	return out
}

// composeSecrets finds literal values of secret-looking environment keys.
func composeSecrets(p, name string, svc *yaml.Node) []Finding {
	var out []Finding
	_, env := ynGet(svc, "environment")
	report := func(n *yaml.Node, key string) {
		out = append(out, ruleComposeSecret.at(p, n.Line, n.Column, "service %s: environment %s has a literal value", name, key))
	}
	switch {
	case env == nil:
	case env.Kind == yaml.MappingNode:
		for _, kv := range ynPairs(env) {
			v, _ := ynScalar(kv[1])
			if kv[1] != nil && kv[1].Tag == "!!null" {
				v = ""
			}
			if secretEnvKey(kv[0].Value) && literalSecretValue(v) {
				report(kv[0], kv[0].Value)
			}
		}
	case env.Kind == yaml.SequenceNode:
		for _, item := range env.Content {
			s, ok := ynScalar(item)
			if !ok {
				continue
			}
			k, v, found := strings.Cut(s, "=")
			if found && secretEnvKey(k) && literalSecretValue(v) {
				report(item, k)
			}
		}
	}
	return out
}

// secretEnvKey reports whether an environment variable name looks like it
// holds a credential.
func secretEnvKey(k string) bool {
	u := strings.ToUpper(strings.TrimSpace(k))
	for _, suffix := range []string{"_FILE", "_PATH", "_DIR"} {
		if strings.HasSuffix(u, suffix) {
			return false
		}
	}
	for _, word := range []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN"} {
		if strings.Contains(u, word) {
			return true
		}
	}
	return strings.HasSuffix(u, "_KEY") || u == "KEY"
}

// literalSecretValue reports whether a value is written out rather than
// referenced from the environment or from a mounted secret file: a path
// under /run/secrets/ (where Compose mounts a service's secrets:, as in
// docker/awesome-compose's react-express-mysql, whose backend reads
// DATABASE_PASSWORD=/run/secrets/db-password as a file) names the secret,
// it does not hold it. A boolean is a setting about the secret.
func literalSecretValue(v string) bool {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "/run/secrets/") || strings.HasPrefix(v, "/var/run/secrets/") {
		return false
	}
	switch strings.ToLower(strings.Trim(v, `"'`)) {
	case "true", "false", "yes", "no", "on", "off", "0", "1":
		// a switch about the secret (MYSQL_ALLOW_EMPTY_PASSWORD=true,
		// MYSQL_RANDOM_ROOT_PASSWORD=yes), not one
		return false
	}
	return v != "" && !strings.Contains(v, "$")
}

// composeSocket finds Docker socket mounts in volumes.
func composeSocket(p, name string, svc *yaml.Node) []Finding {
	var out []Finding
	_, vols := ynGet(svc, "volumes")
	if vols == nil || vols.Kind != yaml.SequenceNode {
		return nil
	}
	for _, v := range vols.Content {
		src := ""
		if s, ok := ynScalar(v); ok {
			src, _, _ = strings.Cut(s, ":")
		} else {
			src, _ = ynScalar(ynPath(v, "source"))
		}
		if strings.HasSuffix(src, "docker.sock") {
			out = append(out, ruleComposeDockerSock.at(p, v.Line, v.Column, "service %s mounts the Docker socket %s", name, src))
		}
	}
	return out
}

// composeDepends checks that the services a service waits for have
// healthchecks.
func composeDepends(p, name string, svc *yaml.Node, healthy map[string]bool) []Finding {
	var out []Finding
	_, deps := ynGet(svc, "depends_on")
	type dep struct {
		name, cond string
		at         *yaml.Node
	}
	var list []dep
	switch {
	case deps == nil:
	case deps.Kind == yaml.SequenceNode:
		for _, d := range deps.Content {
			if s, ok := ynScalar(d); ok {
				list = append(list, dep{s, "service_started", d})
			}
		}
	case deps.Kind == yaml.MappingNode:
		for _, kv := range ynPairs(deps) {
			cond, _ := ynScalar(ynPath(kv[1], "condition"))
			if cond == "" {
				cond = "service_started"
			}
			list = append(list, dep{kv[0].Value, cond, kv[0]})
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].at.Line < list[j].at.Line })
	for _, d := range list {
		has, known := healthy[d.name]
		if !known || has {
			continue
		}
		switch d.cond {
		case "service_healthy":
			out = append(out, ruleComposeHealthcheck.at(p, d.at.Line, d.at.Column,
				"service %s waits for %s to be healthy, but %s has no healthcheck", name, d.name, d.name))
		case "service_started":
			out = append(out, ruleComposeHealthcheckDep.at(p, d.at.Line, d.at.Column,
				"service %s depends on %s, which has no healthcheck: %s may start before %s is ready", name, d.name, name, d.name))
		}
	}
	return out
}

// refPinProblem says what is wrong with an image reference's pin, or ""
// when it has a tag other than latest or a digest. References built from
// variables are not judged.
func refPinProblem(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "is empty"
	}
	if strings.Contains(ref, "$") || strings.Contains(ref, "{{") {
		return ""
	}
	if strings.Contains(ref, "@sha256:") {
		return ""
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, hasTag := strings.Cut(last, ":")
	switch {
	case !hasTag:
		return "has no tag, so it means latest: pin a version tag"
	case tag == "latest":
		return "uses the latest tag: pin a version tag"
	}
	return ""
}
