package cicd

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/container"
	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
	"github.com/devops-lead/devops-lead/internal/workspace"
)

// ciImageTags are docker/metadata-action's tag rules: the branch, the pull
// request, semver tags from v* git tags, and the commit.
const ciImageTags = "type=ref,event=branch\ntype=ref,event=pr\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\ntype=sha"

// ciDockerfiles returns the Dockerfiles to build, sorted: those the
// container task planned (in.Deps) and those in the workspace, in the
// directory of one of the services (or at the root).
func ciDockerfiles(in engine.WorkInput, services []stack.Service) []string {
	dirs := map[string]bool{}
	for _, s := range services {
		dirs[s.Dir] = true
	}
	found := map[string]bool{}
	consider := func(p string) {
		if path.Base(p) == "Dockerfile" && (dirs[path.Dir(p)] || path.Dir(p) == ".") {
			found[p] = true
		}
	}
	for _, cs := range in.Deps {
		if cs == nil {
			continue
		}
		for _, f := range cs.Files {
			if f.Op != change.Delete {
				consider(f.Path)
			}
		}
	}
	if in.Repo != nil {
		for _, p := range in.Repo.Artifacts.Dockerfiles {
			consider(p)
		}
	}
	if in.Workspace != nil {
		for _, s := range services {
			if p := path.Join(s.Dir, "Dockerfile"); workspace.Exists(in.Workspace, p) {
				consider(p)
			} else if kept := container.KeptDockerfile(in.Workspace, in.Deps, s); kept != "" {
				found[kept] = true // the unit's own Dockerfile, kept elsewhere
			}
		}
	}
	// A root Dockerfile beside per-service ones is built only when the
	// root is one of the services.
	if found["Dockerfile"] && len(found) > 1 && !dirs["."] {
		delete(found, "Dockerfile")
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ciWriteImage writes the image workflow: one job per Dockerfile, building
// on pull requests and pushing on the default branch and v* tags.
func ciWriteImage(in engine.WorkInput, p ciParams, services []stack.Service, cov *ciCoverage, cs *change.ChangeSet) error {
	var notes []string
	if cov.Images {
		// An existing workflow builds images: kept, patched or left alone
		// (ciCover), never doubled.
		if !p.CI {
			ciNotePatched(cs, cov)
		}
		return nil
	}
	dockerfiles := ciDockerfiles(in, services)
	if len(dockerfiles) == 0 {
		return ciNoteOnCI(cs, "no image workflow: no Dockerfile was found in the services or planned by a container task",
			fmt.Errorf("task %s asks for an image workflow but no Dockerfile was found in %s; plan a containerization task first (the ci task then depends on it)",
				in.Task.ID, ciDirList(services)))
	}
	used := map[string]bool{}
	var jobs []ciJob
	for _, df := range dockerfiles {
		job, err := ciImageJob(df, ciImageContext(in, services, df), len(dockerfiles) > 1, p.Registry, p.Platforms, used)
		if err != nil {
			return err
		}
		jobs = append(jobs, job)
	}
	data := ciWorkflow{
		Name: "Image",
		Comments: []string{
			"Builds the container images on pull requests (no push) and pushes them on the default branch and v* tags.",
		},
		Branch:           kit.YAMLScalar(p.Branch),
		Tags:             []string{kit.YAMLScalar("v*")},
		CancelInProgress: "${{ github.event_name == 'pull_request' }}",
		Jobs:             jobs,
	}
	out, err := templates.Render("workflow.yml.tmpl", data)
	if err != nil {
		return err
	}
	reg := "GHCR (ghcr.io/<owner>/<repo>) with the workflow's GITHUB_TOKEN; no secret to create"
	if p.Registry == "dockerhub" {
		reg = "Docker Hub; create the repository secrets DOCKERHUB_USERNAME and DOCKERHUB_TOKEN (an access token)"
	}
	notes = append([]string{fmt.Sprintf("one job per Dockerfile (%s); pushes to %s", strings.Join(dockerfiles, ", "), reg)}, notes...)
	cs.Put(ImageWorkflowPath, out, nil, strings.Join(notes, "; "))
	return nil
}

// ciNoteOnCI records a note about the image workflow on the CI workflow
// written in the same ChangeSet and returns nil; when there is none, it
// returns err (nil when there is nothing to report as a failure).
func ciNoteOnCI(cs *change.ChangeSet, note string, err error) error {
	for _, f := range cs.Files {
		if f.Op != change.Delete && strings.HasPrefix(f.Path, ciWorkflowDir+"/") {
			if f.Note != "" {
				f.Note += "; "
			}
			f.Note += note
			return nil
		}
	}
	return err
}

func ciDirList(services []stack.Service) string {
	dirs := make([]string, 0, len(services))
	for _, s := range services {
		dirs = append(dirs, s.Dir)
	}
	return strings.Join(dirs, ", ")
}

// ciImageContext is the build context of a Dockerfile: the one the
// container specialist wrote it for when it belongs to a service built
// from a workspace root (imageBuild), else its directory.
func ciImageContext(in engine.WorkInput, services []stack.Service, dockerfile string) string {
	for _, s := range services {
		if ctx, df := container.ImageBuild(in.Workspace, in.Deps, s); df == dockerfile {
			return ctx
		}
	}
	return path.Dir(dockerfile)
}

// ciImageJob builds the job for one Dockerfile built from the context
// directory ctx.
// platforms, when set, are passed to the build; a platform other than
// linux/amd64 also sets up QEMU.
func ciImageJob(dockerfile, ctx string, several bool, registry string, platforms []string, used map[string]bool) (ciJob, error) {
	name := kit.CIImageName(dockerfile)
	image := "ghcr.io/${{ github.repository }}"
	if several {
		image += "/" + name
	}
	login := ciWith("registry", "ghcr.io", "username", "${{ github.actor }}", "password", "${{ secrets.GITHUB_TOKEN }}")
	perms := []ciKV{{Key: "contents", Value: "read"}, {Key: "packages", Value: "write"}}
	if registry == "dockerhub" {
		image = "docker.io/${{ secrets.DOCKERHUB_USERNAME }}/${{ github.event.repository.name }}"
		if several {
			image += "-" + name
		}
		login = ciWith("username", "${{ secrets.DOCKERHUB_USERNAME }}", "password", "${{ secrets.DOCKERHUB_TOKEN }}")
		perms = nil
	}
	checkout, err := ciCheckout()
	if err != nil {
		return ciJob{}, err
	}
	buildx, err := ciAction("Set up Buildx", "docker/setup-buildx-action", nil)
	if err != nil {
		return ciJob{}, err
	}
	loginStep, err := ciAction("Log in to the registry", "docker/login-action", login)
	if err != nil {
		return ciJob{}, err
	}
	loginStep.If = kit.YAMLScalar("github.event_name != 'pull_request'")
	meta, err := ciAction("Image tags and labels", "docker/metadata-action", ciWith("images", image, "tags", ciImageTags))
	if err != nil {
		return ciJob{}, err
	}
	meta.ID = "meta"
	scope := "scope=" + name
	with := []string{"context", ctx, "file", dockerfile}
	if len(platforms) > 0 {
		with = append(with, "platforms", strings.Join(platforms, ","))
	}
	build, err := ciAction("Build and push", "docker/build-push-action", ciWith(append(with,
		"push", "${{ github.event_name != 'pull_request' }}",
		"tags", "${{ steps.meta.outputs.tags }}",
		"labels", "${{ steps.meta.outputs.labels }}",
		"cache-from", "type=gha,"+scope,
		"cache-to", "type=gha,mode=max,"+scope,
	)...))
	if err != nil {
		return ciJob{}, err
	}
	steps := []ciStep{checkout}
	timeout := 30
	if ciMultiArch(platforms) {
		qemu, err := ciQEMUStep()
		if err != nil {
			return ciJob{}, err
		}
		steps = append(steps, qemu)
		timeout = 60 // emulated builds are slower
	}
	return ciJob{
		ID:          ciJobID("image-"+name, used),
		Name:        kit.YAMLScalar("image (" + name + ")"),
		Timeout:     timeout,
		Permissions: perms,
		Steps:       append(steps, buildx, loginStep, meta, build),
	}, nil
}
