package builtin

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/devops-lead/devops-lead/internal/change"
)

// secretRef is the Compose reference to a password kept in .env: Compose
// stops with "required variable NAME is missing a value: set-it-in-.env"
// when it is unset or empty. The message has no spaces so the gate's
// secret-assignment rule reads "NAME:?set-it-in-.env}" as a reference.
func secretRef(name string) string {
	return "${" + name + ":?set-it-in-.env}"
}

// backingService describes one backing service: pinned image, local-only
// port, named volume, healthcheck, and passwords as references.
func backingService(name string, img backingImage) (composeService, []secretVar) {
	s := composeService{Name: name, Image: img.Image, Volume: name + "-data:" + img.Volume, StartPeriod: "10s"}
	for _, p := range append([]int{img.Port}, img.ExtraPorts...) {
		s.Ports = append(s.Ports, fmt.Sprintf("127.0.0.1:%d:%d", p, p))
	}
	var secrets []secretVar
	secret := func(v string) string {
		secrets = append(secrets, secretVar{Name: v, Service: name})
		return secretRef(v)
	}
	switch name {
	case "postgres":
		s.Env = []envVar{{"POSTGRES_USER", "app"}, {"POSTGRES_DB", "app"}, {"POSTGRES_PASSWORD", secret("POSTGRES_PASSWORD")}}
		s.Healthcheck = jsonArgs("CMD", "pg_isready", "-U", "app", "-d", "app")
	case "mysql":
		s.Env = []envVar{{"MYSQL_DATABASE", "app"}, {"MYSQL_USER", "app"}, {"MYSQL_PASSWORD", secret("MYSQL_PASSWORD")},
			{"MYSQL_ROOT_PASSWORD", secret("MYSQL_ROOT_PASSWORD")}}
		s.Healthcheck = jsonArgs("CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent")
		s.StartPeriod = "30s"
	case "redis":
		s.Healthcheck = jsonArgs("CMD", "redis-cli", "ping")
	case "mongodb":
		s.Env = []envVar{{"MONGO_INITDB_ROOT_USERNAME", "app"}, {"MONGO_INITDB_ROOT_PASSWORD", secret("MONGO_PASSWORD")}}
		s.Healthcheck = jsonArgs("CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok")
		s.StartPeriod = "20s"
	case "rabbitmq":
		s.Env = []envVar{{"RABBITMQ_DEFAULT_USER", "app"}, {"RABBITMQ_DEFAULT_PASS", secret("RABBITMQ_PASSWORD")}}
		s.Healthcheck = jsonArgs("CMD", "rabbitmq-diagnostics", "-q", "ping")
		s.StartPeriod = "30s"
	}
	return s, secrets
}

// appEnv returns the connection settings an app gets for one backing
// service, built from the same password references.
func appEnv(name string, all []string) []envVar {
	switch name {
	case "postgres":
		return []envVar{{"DATABASE_URL", "postgres://app:" + secretRef("POSTGRES_PASSWORD") + "@postgres:5432/app?sslmode=disable"}}
	case "mysql":
		key := "DATABASE_URL"
		if contains(all, "postgres") {
			key = "MYSQL_URL"
		}
		return []envVar{{key, "mysql://app:" + secretRef("MYSQL_PASSWORD") + "@mysql:3306/app"}}
	case "redis":
		return []envVar{{"REDIS_URL", "redis://redis:6379/0"}}
	case "mongodb":
		return []envVar{{"MONGODB_URI", "mongodb://app:" + secretRef("MONGO_PASSWORD") + "@mongodb:27017/?authSource=admin"}}
	case "rabbitmq":
		return []envVar{{"AMQP_URL", "amqp://app:" + secretRef("RABBITMQ_PASSWORD") + "@rabbitmq:5672/"}}
	}
	return nil
}

// envExample writes .env.example with a placeholder for each password, or
// adds the missing ones to an existing file.
func envExample(ws fs.FS, dir string, secrets []secretVar, cs *change.ChangeSet) error {
	if len(secrets) == 0 {
		return nil
	}
	p := joinPath(dir, ".env.example")
	old, err := readOptional(ws, p)
	if err != nil {
		return err
	}
	var b strings.Builder
	if old == nil {
		b.WriteString("# Settings for compose.yaml. Copy this file to .env (keep .env out of git)\n")
		b.WriteString("# and replace each placeholder with a password of your own. They are for\n")
		b.WriteString("# local containers only: never reuse them anywhere else.\n")
	} else {
		b.Write(old)
		if len(old) > 0 && old[len(old)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	added := 0
	for _, s := range secrets {
		if old != nil && hasEnvKey(old, s.Name) {
			continue
		}
		fmt.Fprintf(&b, "%s=change-me\n", s.Name)
		added++
	}
	if added == 0 {
		return nil
	}
	note := "placeholders for the passwords compose.yaml references"
	if old != nil {
		note = fmt.Sprintf("added %d placeholder(s) for the passwords compose.yaml references", added)
	}
	cs.Put(p, []byte(b.String()), nil, note)
	return nil
}

// hasEnvKey reports whether an env file sets key.
func hasEnvKey(content []byte, key string) bool {
	for _, l := range strings.Split(string(content), "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "export "))
		if strings.HasPrefix(l, key+"=") {
			return true
		}
	}
	return false
}

// extendCompose adds the services an existing Compose file lacks. A
// service counts as present when a service of that name exists or one
// runs the same image. It returns the passwords the added services
// reference.
func extendCompose(ws fs.FS, p string, d composeData, secrets []secretVar, notes []string, cs *change.ChangeSet) ([]secretVar, error) {
	old, err := readOptional(ws, p)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML (%w): fix it, or delete it to have a new one written", p, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the top level is not a mapping: fix the file, or delete it to have a new one written", p)
	}
	services := mapValue(root, "services")
	if services == nil || services.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s has no services mapping: fix the file, or delete it to have a new one written", p)
	}
	present := map[string]bool{}
	for i := 0; i+1 < len(services.Content); i += 2 {
		present[services.Content[i].Value] = true
		if img := mapValue(services.Content[i+1], "image"); img != nil {
			repo := img.Value
			if j := strings.LastIndex(repo, ":"); j > 0 && !strings.Contains(repo[j:], "/") {
				repo = repo[:j]
			}
			present["image:"+repo] = true
		}
	}
	var missing composeData
	for _, b := range d.Backing {
		repo := b.Image[:strings.LastIndex(b.Image, ":")]
		if !present[b.Name] && !present["image:"+repo] {
			missing.Backing = append(missing.Backing, b)
			missing.Volumes = append(missing.Volumes, b.Name+"-data")
		}
	}
	added := map[string]bool{}
	for _, b := range missing.Backing {
		added[b.Name] = true
	}
	for _, a := range d.Apps {
		if present[a.Name] {
			continue
		}
		// Only wire the app to backing services it can reach by name.
		var deps []string
		for _, dep := range a.DependsOn {
			if added[dep] || present[dep] {
				deps = append(deps, dep)
			}
		}
		var env []envVar
		for _, e := range a.Env {
			for _, dep := range deps {
				if strings.Contains(e.Value, "@"+dep+":") || strings.Contains(e.Value, "//"+dep+":") {
					env = append(env, e)
					break
				}
			}
		}
		a.DependsOn, a.Env = deps, env
		missing.Apps = append(missing.Apps, a)
	}
	if len(missing.Apps) == 0 && len(missing.Backing) == 0 {
		return nil, nil // it has everything: the lead's plan says it is kept
	}
	fresh, err := render("compose/compose.yaml.tmpl", missing)
	if err != nil {
		return nil, err
	}
	var add yaml.Node
	if err := yaml.Unmarshal(fresh, &add); err != nil {
		return nil, fmt.Errorf("the compose template rendered invalid YAML (a bug in devops-lead): %w", err)
	}
	addRoot := add.Content[0]
	addSvcs := mapValue(addRoot, "services")
	services.Content = append(services.Content, addSvcs.Content...)
	if addVols := mapValue(addRoot, "volumes"); addVols != nil {
		vols := mapValue(root, "volumes")
		if vols == nil || vols.Kind != yaml.MappingNode {
			root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "volumes"}, addVols)
		} else {
			vols.Content = append(vols.Content, addVols.Content...)
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write %s: %w", p, err)
	}
	var names []string
	for _, s := range append(missing.Apps, missing.Backing...) {
		names = append(names, s.Name)
	}
	note := fmt.Sprintf("added %s to the existing file and kept its services as they were (the YAML is re-indented); existing app services do not get depends_on or connection settings automatically", strings.Join(names, ", "))
	cs.Put(p, buf.Bytes(), nil, strings.Join(append([]string{note}, notes...), "; "))
	var keep []secretVar
	for _, s := range secrets {
		for _, b := range missing.Backing {
			if b.Name == s.Service {
				keep = append(keep, s)
			}
		}
	}
	return keep, nil
}

// mapValue returns the value node of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
