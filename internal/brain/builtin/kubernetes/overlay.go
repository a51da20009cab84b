package kubernetes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/workspace"
	"gopkg.in/yaml.v3"
)

// Overlays for manifests people wrote: Params["overlays"] is a comma list
// of environments ("staging" or "staging,production") and Params["dir"]
// the folder of the existing manifests (found from the repository's
// Kubernetes files when left out). The human files are never changed:
//
//   - a folder with a base/ kustomization (the base and overlays layout)
//     gets the overlays it lacks in <dir>/overlays/<env>, on ../../base;
//   - any other folder is the base: it keeps its kustomization, or gets
//     one that lists its manifests (resources), and the overlays go to
//     kustomize/overlays/<env> (deploy/overlays/<env> when dir is
//     kustomize), since kustomize refuses a base folder that contains its
//     own overlays (<dir>/overlays/<env> on ../.. does not build).
//
// Each overlay puts the objects in a namespace named after the
// environment, labels them environment=<env>, lists the images with their
// current tags so that a deploy can set them per environment (kustomize
// edit set image), and in an environment other than production (or prod)
// runs one replica of each Deployment or StatefulSet that asks for more.
// An environment that has an overlay already (in either place) is kept;
// with all of them there, nothing is written.

// overlayEnv is what an environment name must look like: a DNS label,
// since it becomes a namespace.
var overlayEnv = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,28}[a-z0-9])?$`)

// k8sOverlayRequested reports whether the task asks for overlays on
// existing manifests (the kubernetes specialist hands such tasks to
// k8sOverlays).
func k8sOverlayRequested(t engine.Task) bool { return strings.TrimSpace(t.Params["overlays"]) != "" }

// kustomizationNames are the file names kustomize reads, in its order.
var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// overlayManifest is one existing manifest file and what it declares.
type overlayManifest struct {
	// Rel is the path relative to the base folder.
	Rel string
	// Workloads are the names of the Deployments and StatefulSets with
	// more than one replica.
	Workloads []string
	// Images are the container images named (without tag or digest).
	Images map[string]string
}

// overlayKustomization is what overlay.yaml.tmpl renders.
type overlayKustomization struct {
	Env, Namespace string
	Resources      []string
	Images         []k8sImage
	Replicas       []string
}

// k8sOverlays writes kustomize overlays for the environments over the
// manifests already in the repository, without changing them.
func k8sOverlays(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	var envs []string
	for _, e := range strings.Split(in.Task.Params["overlays"], ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if !overlayEnv.MatchString(e) {
			return nil, fmt.Errorf("task %s: overlays: %q is not an environment name (lower-case letters, digits and dashes)", in.Task.ID, e)
		}
		if !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
	}
	if len(envs) == 0 {
		return nil, fmt.Errorf("task %s: overlays is empty: name the environments, for example staging", in.Task.ID)
	}
	if in.Workspace == nil {
		return nil, errors.New("overlays need the repository's files, and there is no workspace")
	}
	var files []string
	if in.Repo != nil {
		files = in.Repo.Artifacts.Kubernetes
	}
	dir, err := overlayDir(in.Task.ID, in.Task.Params["dir"], files)
	if err != nil {
		return nil, err
	}
	// The base: dir itself when it is a kustomization or has none (one is
	// added), dir/base when that is one.
	base, baseKust := dir, overlayKustFile(in.Workspace, dir)
	if baseKust == "" {
		if k := overlayKustFile(in.Workspace, path.Join(dir, "base")); k != "" {
			base, baseKust = path.Join(dir, "base"), k
		}
	}
	manifests, err := overlayManifests(ctx, in.Workspace, base, files)
	if err != nil {
		return nil, err
	}
	if len(manifests) == 0 && baseKust == "" {
		return nil, fmt.Errorf("no Kubernetes manifests in %s to put overlays on: say which folder holds them (dir)", dir)
	}
	// Where the overlays go: beside a base/ folder as kustomize lays them
	// out, else in a folder outside dir, since kustomize refuses a base
	// that contains its overlay.
	overlays := path.Join(dir, "overlays")
	if base == dir {
		overlays = ""
		for _, c := range overlayRoots {
			if c != dir && !strings.HasPrefix(c, dir+"/") && !strings.HasPrefix(dir, c+"/") {
				overlays = c
				break
			}
		}
	}
	if overlays == "" {
		return nil, fmt.Errorf("no folder outside %s to put the overlays in", dir)
	}
	var todo, kept []string
	for _, env := range envs {
		if overlayKustFile(in.Workspace, path.Join(overlays, env)) != "" || overlayKustFile(in.Workspace, path.Join(dir, "overlays", env)) != "" {
			kept = append(kept, env)
			continue
		}
		todo = append(todo, env)
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	if len(todo) == 0 {
		return cs, nil // every overlay is there: nothing to do
	}
	if baseKust == "" {
		var res []string
		for _, m := range manifests {
			res = append(res, m.Rel)
		}
		out, err := templates.Render("kustomization.yaml.tmpl", k8sKustomization{Resources: res})
		if err != nil {
			return nil, err
		}
		cs.Put(path.Join(dir, "kustomization.yaml"), out, nil,
			"lists the existing manifests as the base of the overlays ("+strings.Join(res, ", ")+"); the manifests themselves are unchanged")
	}
	images := map[string]string{}
	var workloads []string
	for _, m := range manifests {
		for name, tag := range m.Images {
			if _, seen := images[name]; !seen {
				images[name] = tag
			}
		}
		workloads = append(workloads, m.Workloads...)
	}
	var imgs []k8sImage
	for name, tag := range images {
		imgs = append(imgs, k8sImage{Name: name, Tag: tag})
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Name < imgs[j].Name })
	sort.Strings(workloads)
	workloads = slices.Compact(workloads)
	for _, env := range todo {
		od := path.Join(overlays, env)
		k := overlayKustomization{Env: env, Namespace: env, Resources: []string{overlayRel(od, base)}, Images: imgs}
		if env != "production" && env != "prod" {
			k.Replicas = workloads
		}
		out, err := templates.Render("overlay.yaml.tmpl", k)
		if err != nil {
			return nil, err
		}
		note := fmt.Sprintf("the %s overlay on %s: namespace %s (create it or change the name)", env, base, env)
		if len(imgs) > 0 {
			note += "; the images keep their tags until the deploy sets them (kustomize edit set image)"
		}
		if len(k.Replicas) > 0 {
			note += "; one replica of " + strings.Join(k.Replicas, ", ")
		}
		cs.Put(path.Join(od, "kustomization.yaml"), out, nil, note)
	}
	if len(kept) > 0 {
		for _, f := range cs.Files {
			f.Note += "; kept the existing overlays " + strings.Join(kept, ", ")
		}
	}
	return cs, nil
}

// overlayDir is the folder of the existing manifests: the task's dir, or
// the one folder holding the repository's Kubernetes files.
func overlayDir(id, dir string, files []string) (string, error) {
	if dir != "" {
		d := path.Clean(strings.TrimSuffix(dir, "/"))
		if d == "." || path.IsAbs(d) || d == ".." || strings.HasPrefix(d, "../") || strings.ContainsAny(d, "\\\n\r\t ") {
			return "", fmt.Errorf("task %s: dir=%q must be a folder inside the repository", id, dir)
		}
		return d, nil
	}
	tops := map[string]bool{}
	for _, f := range files {
		d := path.Dir(f)
		if strings.Contains("/"+d+"/", "/overlays/") {
			continue // an overlay is no manifest of the base
		}
		// A file in a base folder belongs to the folder above.
		if i := strings.Index("/"+d+"/", "/base/"); i >= 0 {
			d = strings.TrimSuffix(("/" + d + "/")[1:i+1], "/")
		}
		if d == "" {
			d = "."
		}
		tops[d] = true
	}
	var ds []string
	for d := range tops {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	if len(ds) == 0 {
		return "", errors.New("the repository has no Kubernetes manifests to put overlays on: say which folder holds them (dir)")
	}
	// The folders' common ancestor holds them all (k8s for k8s/api and
	// k8s/web).
	common := strings.Split(ds[0], "/")
	for _, d := range ds[1:] {
		segs := strings.Split(d, "/")
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	root := path.Join(common...)
	switch {
	case root != "" && root != ".":
		return root, nil
	case len(ds) == 1:
		return "", errors.New("the Kubernetes manifests are at the repository root: move them into a folder, or say which folder (dir)")
	}
	return "", fmt.Errorf("the Kubernetes manifests are in %s: say which folder the overlays are for (dir)", strings.Join(ds, ", "))
}

// overlayKustFile returns the kustomization file of dir, or "".
func overlayKustFile(ws fs.FS, dir string) string {
	for _, n := range kustomizationNames {
		p := path.Join(dir, n)
		if st, err := fs.Stat(ws, p); err == nil && !st.IsDir() {
			return p
		}
	}
	return ""
}

// overlayManifests reads the manifests under base (not those in an
// overlays folder, a folder with its own kustomization or a Helm chart)
// and what they declare.
func overlayManifests(ctx context.Context, ws fs.FS, base string, files []string) ([]overlayManifest, error) {
	var out []overlayManifest
	sorted := append([]string(nil), files...)
	sort.Strings(sorted)
	for _, f := range sorted {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(f, base+"/") {
			continue
		}
		rel := strings.TrimPrefix(f, base+"/")
		if slices.Contains(kustomizationNames, path.Base(rel)) || strings.HasPrefix(rel, "overlays/") || strings.HasPrefix(rel, "base/") {
			continue
		}
		// A folder with its own kustomization, or a Helm chart, is not
		// plain manifests.
		nested := false
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			if overlayKustFile(ws, path.Join(base, d)) != "" {
				nested = true
			}
			if _, err := fs.Stat(ws, path.Join(base, d, "Chart.yaml")); err == nil {
				nested = true
			}
		}
		if nested {
			continue
		}
		b, err := workspace.ReadFile(ws, f, k8sExistingMaxBytes)
		if err != nil {
			continue
		}
		m, ok := overlayRead(b)
		if !ok {
			continue
		}
		m.Rel = rel
		out = append(out, m)
	}
	return out, nil
}

// overlayRead reads one manifest file: every document must be a
// Kubernetes object (apiVersion and kind) for the file to be a resource.
func overlayRead(b []byte) (overlayManifest, bool) {
	m := overlayManifest{Images: map[string]string{}}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	docs := 0
	for {
		var doc struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
			Spec struct {
				Replicas *int `yaml:"replicas"`
				Template struct {
					Spec struct {
						Containers     []struct{ Image string } `yaml:"containers"`
						InitContainers []struct{ Image string } `yaml:"initContainers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, false
		}
		if doc.APIVersion == "" && doc.Kind == "" {
			continue // an empty document
		}
		if doc.APIVersion == "" || doc.Kind == "" || doc.Kind == "Kustomization" || doc.Kind == "Component" {
			return m, false
		}
		docs++
		switch doc.Kind {
		case "Deployment", "StatefulSet":
			if doc.Spec.Replicas != nil && *doc.Spec.Replicas > 1 && doc.Metadata.Name != "" {
				m.Workloads = append(m.Workloads, doc.Metadata.Name)
			}
		}
		for _, c := range append(doc.Spec.Template.Spec.Containers, doc.Spec.Template.Spec.InitContainers...) {
			if name, tag, ok := overlayImage(c.Image); ok {
				if _, seen := m.Images[name]; !seen {
					m.Images[name] = tag
				}
			}
		}
	}
	return m, docs > 0
}

// overlayImageRef is an image reference kustomize's images: can name.
var overlayImageRef = regexp.MustCompile(`^[a-z0-9][a-z0-9._/:-]*$`)

// overlayImage splits an image reference into the name kustomize matches
// and its tag ("latest" when none). Images pinned by digest or holding
// template placeholders are left out: their tag is not the overlay's to
// set.
func overlayImage(ref string) (name, tag string, ok bool) {
	if ref == "" || strings.Contains(ref, "@") || !overlayImageRef.MatchString(ref) {
		return "", "", false
	}
	name, tag = ref, "latest"
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	if name == "" || tag == "" {
		return "", "", false
	}
	return name, tag, true
}

// overlayRoots are where overlays on a folder of plain manifests go, best
// first: kustomize does not let a base contain its overlays, and the
// kubernetes specialist writes under these.
var overlayRoots = []string{"kustomize/overlays", "deploy/overlays", "k8s/overlays"}

// overlayRel is the path from the overlay folder od to the base folder.
func overlayRel(od, base string) string {
	from, to := strings.Split(od, "/"), strings.Split(base, "/")
	n := 0
	for n < len(from) && n < len(to) && from[n] == to[n] {
		n++
	}
	parts := slices.Repeat([]string{".."}, len(from)-n)
	return path.Join(append(parts, to[n:]...)...)
}
