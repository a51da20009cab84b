package cicd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"gopkg.in/yaml.v3"
)

// ciCircleImages maps the repository part of a CircleCI primary image
// (cimg/go, circleci/golang, golang...) to the setup language.
var ciCircleImages = map[string]string{
	"cimg/go": "go", "circleci/golang": "go", "golang": "go",
	"cimg/node": "node", "circleci/node": "node", "node": "node",
	"cimg/python": "python", "circleci/python": "python", "python": "python",
	"cimg/openjdk": "java", "circleci/openjdk": "java", "openjdk": "java", "eclipse-temurin": "java",
	"cimg/rust": "rust", "circleci/rust": "rust", "rust": "rust",
}

// ciCircleServices maps a CircleCI service image's repository to a
// ciDBKinds name.
var ciCircleServices = map[string]string{
	"cimg/postgres": "postgres", "circleci/postgres": "postgres", "postgres": "postgres", "postgis/postgis": "",
	"cimg/mysql": "mysql", "circleci/mysql": "mysql", "mysql": "mysql", "cimg/mariadb": "mysql", "mariadb": "mysql",
	"cimg/redis": "redis", "circleci/redis": "redis", "redis": "redis",
	"circleci/mongo": "mongo", "mongo": "mongo", "cimg/rabbitmq": "rabbitmq", "rabbitmq": "rabbitmq",
	"memcached": "memcached",
}

// ciCircleStepsIgnored are the CircleCI steps with no translation, and why.
var ciCircleStepsIgnored = map[string]string{
	"restore_cache": "", "save_cache": "", // the setup actions cache
	"setup_remote_docker":  "", // Docker is on the runner
	"store_test_results":   "store_test_results (test reports)",
	"store_artifacts":      "store_artifacts (upload them with an upload-artifact step)",
	"persist_to_workspace": "persist_to_workspace (jobs share files through artifacts on GitHub)",
	"attach_workspace":     "attach_workspace (jobs share files through artifacts on GitHub)",
	"add_ssh_keys":         "add_ssh_keys",
	"when":                 "a when: step condition", "unless": "an unless: step condition",
}

// circle translates a .circleci/config.yml: one GitHub job per CircleCI
// job the workflows run (every job when there are no workflows), with
// requires: as needs:.
func (m *ciMigration) circle(root *yaml.Node) error {
	jobs := kit.MapValue(root, "jobs")
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return fmt.Errorf("it has no jobs: mapping")
	}
	for _, o := range ciMapKeys(kit.MapValue(root, "orbs")) {
		if orb := strings.Join(ciScalars(kit.MapValue(kit.MapValue(root, "orbs"), o)), ""); !strings.HasPrefix(orb, "circleci/node@") {
			m.skip("the orb %s (%s)", o, orb)
		}
	}
	if kit.MapValue(root, "commands") != nil {
		m.notes = append(m.notes, "the reusable commands: of "+m.from+" are not expanded; steps that call them are listed as not translated")
	}
	order, needs := m.circleWorkflows(root, jobs)
	ids := map[string]string{}
	for _, name := range order {
		def := kit.MapValue(jobs, name)
		if def == nil || def.Kind != yaml.MappingNode {
			m.skip("the workflow job %s (not defined in jobs:)", name)
			continue
		}
		job, ok, err := m.circleJob(root, name, def)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		ids[name] = job.ID
		job.If = m.conds[name]
		var req []string
		for _, r := range needs[name] {
			if id, ok := ids[r]; ok {
				req = append(req, id)
			}
		}
		job.Needs = strings.Join(req, ", ")
		m.jobs = append(m.jobs, job)
	}
	return nil
}

// circleWorkflows returns the jobs the workflows run, in order, and what
// each requires; with no workflows, every job in document order.
func (m *ciMigration) circleWorkflows(root, jobs *yaml.Node) ([]string, map[string][]string) {
	needs := map[string][]string{}
	var order []string
	wfs := kit.MapValue(root, "workflows")
	for _, w := range ciMapKeys(wfs) {
		wf := kit.MapValue(wfs, w)
		if w == "version" || wf == nil || wf.Kind != yaml.MappingNode {
			continue
		}
		if kit.MapValue(wf, "triggers") != nil {
			m.skip("the scheduled triggers of workflow %s (add a schedule: trigger)", w)
		}
		list := kit.MapValue(wf, "jobs")
		if list == nil || list.Kind != yaml.SequenceNode {
			continue
		}
		for _, it := range list.Content {
			name := it.Value
			var conf *yaml.Node
			if it.Kind == yaml.MappingNode && len(it.Content) == 2 {
				name, conf = it.Content[0].Value, it.Content[1]
			}
			if name == "" {
				continue
			}
			if f := kit.MapValue(conf, "filters"); f != nil {
				if cond, ok := ciCircleFilter(f); ok {
					m.conds[name] = cond
				} else {
					m.skip("the filters of job %s in workflow %s (the job runs on every push to the default branch and every pull request)", name, w)
				}
			}
			if kit.MapValue(conf, "context") != nil {
				m.notes = append(m.notes, fmt.Sprintf("job %s uses a CircleCI context: create its variables as repository secrets and add them to the job's env", name))
			}
			if kit.MapValue(conf, "matrix") != nil {
				m.skip("the matrix of job %s in workflow %s", name, w)
			}
			if t := strings.Join(ciScalars(kit.MapValue(conf, "type")), ""); t == "approval" {
				m.skip("the approval job %s (use an environment with required reviewers)", name)
				continue
			}
			if !slices.Contains(order, name) {
				order = append(order, name)
			}
			needs[name] = append(needs[name], ciScalars(kit.MapValue(conf, "requires"))...)
		}
	}
	if len(order) == 0 {
		order = ciMapKeys(jobs)
	}
	return order, needs
}

// circleJob translates one CircleCI job; ok is false for a job that runs
// somewhere a Linux runner cannot stand in for.
func (m *ciMigration) circleJob(root *yaml.Node, name string, def *yaml.Node) (cxJob, bool, error) {
	job := cxJob{ID: ciJobID(name, m.used), Name: kit.YAMLScalar(name), Timeout: 30}
	docker := kit.MapValue(def, "docker")
	if ex := kit.MapValue(def, "executor"); ex != nil {
		exName := ex.Value
		if ex.Kind == yaml.MappingNode {
			exName = strings.Join(ciScalars(kit.MapValue(ex, "name")), "")
		}
		if d := kit.MapValue(kit.MapValue(kit.MapValue(root, "executors"), exName), "docker"); d != nil {
			docker = d
		} else if strings.Contains(exName, "/") {
			m.skip("the orb executor %s of job %s (the job runs on ubuntu-latest)", exName, name)
		}
	}
	switch {
	case kit.MapValue(def, "macos") != nil:
		m.skip("job %s (it runs on macOS: add a macos-latest job by hand)", name)
		return cxJob{}, false, nil
	case kit.MapValue(def, "machine") != nil:
		m.notes = append(m.notes, fmt.Sprintf("job %s ran on a CircleCI machine; it runs on ubuntu-latest", name))
	}
	if kit.MapValue(def, "parallelism") != nil {
		m.skip("the parallelism of job %s", name)
	}
	steps := []cxStep{}
	if docker != nil && docker.Kind == yaml.SequenceNode {
		for i, img := range docker.Content {
			ref := strings.Join(ciScalars(kit.MapValue(img, "image")), "")
			repo, tag, _ := strings.Cut(ref, ":")
			env := m.circleEnv(kit.MapValue(img, "environment"))
			if i == 0 {
				job.Env = append(job.Env, env...)
				lang := ciCircleImages[repo]
				v := ciVersionPart(tag)
				if lang == "" {
					if !strings.HasPrefix(repo, "cimg/base") && repo != "" {
						m.skip("the primary image %s of job %s (its tools are not set up; the job runs on ubuntu-latest)", ref, name)
					}
					continue
				}
				if v == "" {
					v = map[string]string{"go": "stable", "node": "lts/*", "python": "3.x", "java": "21", "rust": "stable"}[lang]
					m.notes = append(m.notes, fmt.Sprintf("the image %s of job %s names no plain version; %s is used", ref, name, v))
				}
				if lang == "java" {
					v, _, _ = strings.Cut(v, ".")
				}
				setup, _, err := ciLangSetup(lang, v)
				if err != nil {
					return cxJob{}, false, err
				}
				steps = append(steps, setup...)
				continue
			}
			kind, ok := ciCircleServices[repo]
			if !ok || kind == "" {
				m.skip("the service image %s of job %s", ref, name)
				continue
			}
			tag = strings.TrimSuffix(tag, "-ram") // CircleCI's in-memory variant
			svc, jobEnv, _ := ciDBService(kind, tag, env)
			job.Services = append(job.Services, svc)
			job.Env = append(job.Env, jobEnv...)
		}
	}
	job.Env = append(job.Env, m.circleEnv(kit.MapValue(def, "environment"))...)
	raw := kit.MapValue(def, "steps")
	if raw == nil || raw.Kind != yaml.SequenceNode {
		m.skip("job %s (no steps)", name)
		return cxJob{}, false, nil
	}
	n := 0
	for _, st := range raw.Content {
		s, ok := m.circleStep(name, st, &n)
		if ok {
			steps = append(steps, s)
		}
	}
	if len(steps) == 0 || steps[0].Uses != m.checkout.Uses {
		// CircleCI jobs check out only when asked; GitHub's setup actions
		// read files (go.mod, lock files), so the checkout comes first.
		steps = append([]cxStep{m.checkout}, slices.DeleteFunc(steps, func(s cxStep) bool { return s.Uses == m.checkout.Uses })...)
	}
	job.Steps = steps
	m.mapVars(&job, ciCircleVarRE)
	job.Env = ciDedupeKV(job.Env)
	return job, true, nil
}

// circleEnv reads an environment: mapping.
func (m *ciMigration) circleEnv(n *yaml.Node) []ciKV {
	var out []ciKV
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if kv, ok := m.envEntry(n.Content[i].Value, n.Content[i+1].Value); ok {
			out = append(out, kv)
		}
	}
	return out
}

// circleStep translates one step.
func (m *ciMigration) circleStep(job string, st *yaml.Node, n *int) (cxStep, bool) {
	key, body := st.Value, (*yaml.Node)(nil)
	if st.Kind == yaml.MappingNode && len(st.Content) == 2 {
		key, body = st.Content[0].Value, st.Content[1]
	}
	switch {
	case key == "checkout":
		return m.checkout, true
	case key == "run":
		cmd, name := "", ""
		var env []ciKV
		dir := ""
		if body != nil && body.Kind == yaml.ScalarNode {
			cmd = body.Value
		} else if body != nil {
			cmd = strings.Join(ciScalars(kit.MapValue(body, "command")), "")
			name = strings.Join(ciScalars(kit.MapValue(body, "name")), "")
			env = m.circleEnv(kit.MapValue(body, "environment"))
			dir = strings.Join(ciScalars(kit.MapValue(body, "working_directory")), "")
			if kit.MapValue(body, "background") != nil {
				m.skip("the background run %q of job %s", ciShort(cmd), job)
				return cxStep{}, false
			}
			if w := strings.Join(ciScalars(kit.MapValue(body, "when")), ""); w != "" && w != "on_success" {
				m.skip("when: %s on a step of job %s", w, job)
			}
			if kit.MapValue(body, "shell") != nil {
				m.skip("the shell: of a step of job %s", job)
			}
		}
		cmds := m.commands("run", []string{cmd})
		if len(cmds) == 0 {
			return cxStep{}, false
		}
		*n++
		if first, _, _ := strings.Cut(strings.TrimSpace(cmds[0]), "\n"); name == "" && len(first) <= 60 {
			name = first
		} else if name == "" {
			name = fmt.Sprintf("Run %d", *n)
		}
		s := cxRun(name, cmds[0])
		s.Env = env
		if dir != "" && dir != "." && dir != "~/project" {
			if ciDirRE.MatchString(dir) && !strings.Contains(dir, "..") {
				s.Dir = kit.YAMLScalar(dir)
			} else {
				m.skip("the working_directory %s of a step of job %s", dir, job)
			}
		}
		return s, true
	case key == "node/install-packages":
		pm := strings.Join(ciScalars(kit.MapValue(body, "pkg-manager")), "")
		cmd := "if [ -f package-lock.json ]; then npm ci; else npm install; fi"
		switch pm {
		case "yarn":
			cmd = "yarn install --frozen-lockfile"
		case "yarn-berry":
			cmd = "corepack enable\nyarn install --immutable"
		case "pnpm":
			cmd = "corepack enable\npnpm install --frozen-lockfile"
		}
		return cxRun("Install packages", cmd), true
	}
	if why, ok := ciCircleStepsIgnored[key]; ok {
		if why != "" {
			m.skip("%s in job %s", why, job)
		}
		return cxStep{}, false
	}
	m.skip("the step %s in job %s", key, job)
	return cxStep{}, false
}

// ciCircleFilter translates a filters: block that only names branches
// (branches: only: [main]) into a job condition: pushes to those
// branches. Anything else (ignore lists, regular expressions, tags) has
// no faithful translation.
func ciCircleFilter(f *yaml.Node) (string, bool) {
	for _, k := range ciMapKeys(f) {
		if k != "branches" {
			return "", false
		}
	}
	br := kit.MapValue(f, "branches")
	for _, k := range ciMapKeys(br) {
		if k != "only" {
			return "", false
		}
	}
	names := ciScalars(kit.MapValue(br, "only"))
	if len(names) == 0 {
		return "", false
	}
	var refs []string
	for _, b := range names {
		if !CIBranchRE.MatchString(b) || strings.Contains(b, "..") {
			return "", false
		}
		refs = append(refs, "github.ref == 'refs/heads/"+b+"'")
	}
	cond := "github.event_name == 'push' && "
	if len(refs) == 1 {
		return cond + refs[0], true
	}
	return cond + "(" + strings.Join(refs, " || ") + ")", true
}
