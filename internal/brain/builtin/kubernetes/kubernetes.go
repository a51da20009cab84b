package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/devops-lead/devops-lead/internal/brain/builtin/kit"
	"github.com/devops-lead/devops-lead/internal/change"
	"github.com/devops-lead/devops-lead/internal/engine"
	"github.com/devops-lead/devops-lead/internal/stack"
)

// k8sParams are the task's Params: dir=k8s|deploy, autoscaling, ingress,
// kustomize, helm and cloudsql_proxy (each "true" or "false"), and
// workload_identity=azure when the pods sign in to Azure with AKS workload
// identity. cloudsql_proxy=true adds the Cloud SQL Auth Proxy sidecar of
// GKE with Cloud SQL PostgreSQL. helm=true writes a Helm chart per service
// in charts/<name>/ (HelmChartsDir) instead of manifests in dir.
type k8sParams struct {
	Dir                             string
	Autoscaling, Ingress, Kustomize bool
	Helm                            bool
	AzureWorkloadIdentity           bool
	CloudSQLProxy                   bool
}

// The ports the Cloud SQL Auth Proxy sidecar takes in the pod: PostgreSQL
// on 127.0.0.1, and its health checks (/startup, /liveness) for the
// kubelet.
const (
	cloudSQLProxyPort       = 5432
	cloudSQLProxyHealthPort = 9801
)

// k8sTaskParams reads and checks the task's Params.
func k8sTaskParams(t engine.Task) (k8sParams, error) {
	p := k8sParams{Dir: "k8s"}
	if d := t.Params["dir"]; d != "" {
		if d != "k8s" && d != "deploy" {
			return p, fmt.Errorf("task %s: dir=%q is not one the kubernetes specialist writes: use k8s or deploy", t.ID, d)
		}
		p.Dir = d
	}
	for key, dst := range map[string]*bool{"autoscaling": &p.Autoscaling, "ingress": &p.Ingress, "kustomize": &p.Kustomize, "helm": &p.Helm, "cloudsql_proxy": &p.CloudSQLProxy} {
		switch v := t.Params[key]; v {
		case "", "false":
		case "true":
			*dst = true
		default:
			return p, fmt.Errorf("task %s: %s=%q must be true or false", t.ID, key, v)
		}
	}
	switch v := t.Params["workload_identity"]; v {
	case "":
	case "azure":
		p.AzureWorkloadIdentity = true
	default:
		return p, fmt.Errorf("task %s: workload_identity=%q is not one the kubernetes specialist writes: use azure or leave it out", t.ID, v)
	}
	if p.Kustomize && p.Helm {
		return p, fmt.Errorf("task %s: kustomize=true and helm=true: pick one (a Helm chart's values replace kustomize overlays)", t.ID)
	}
	if p.AzureWorkloadIdentity && p.CloudSQLProxy {
		return p, fmt.Errorf("task %s: workload_identity=azure is for AKS and cloudsql_proxy=true for GKE: set one of them", t.ID)
	}
	return p, nil
}

// k8sApp is what the manifest templates render for one service.
type k8sApp struct {
	Name, Image, ImageName, ImageComment string
	Port, UID                            int
	HealthPath, Host                     string
	CPURequest, MemRequest               string
	CPULimit, MemLimit                   string
	Autoscaling                          bool
	// AzureClientID is set (to AzureClientIDPlaceholder) when the pods
	// use AKS workload identity.
	AzureClientID string
	// CloudSQL is set when the pods run the Cloud SQL Auth Proxy sidecar.
	CloudSQL *k8sCloudSQL
}

// k8sCloudSQL is what the Deployment template renders for the Cloud SQL
// Auth Proxy sidecar and the app's database settings.
type k8sCloudSQL struct {
	Image                                    string
	UID, Port, HealthPort                    int
	Instance, ServiceAccount, User, Database string
}

// Work is the Kubernetes specialist: per service a ServiceAccount,
// Deployment and Service, an Ingress and a NetworkPolicy when asked, and an
// HorizontalPodAutoscaler with a PodDisruptionBudget when autoscaling is
// asked; as plain manifests in <dir>/<service>/, as a Kustomize base with
// staging and production overlays, or as a Helm chart in charts/<service>/
// whose values.yaml turns them on.
func Work(ctx context.Context, in engine.WorkInput) (*change.ChangeSet, error) {
	if k8sOverlayRequested(in.Task) {
		return k8sOverlays(ctx, in)
	}
	p, err := k8sTaskParams(in.Task)
	if err != nil {
		return nil, err
	}
	tbl, err := kit.LoadImages()
	if err != nil {
		return nil, err
	}
	services, err := kit.TaskServices(in.Repo, in.Task)
	if err != nil {
		return nil, err
	}
	if len(services) == 0 {
		return nil, errors.New("no service to deploy: stack detection found no application in the focus; say which directory holds it")
	}
	owner, repo, known := kit.GitHubRepoOf(in.Issue.URL)
	var existing map[string]string
	if in.Repo != nil && !p.Helm {
		existing = k8sObjects(in.Workspace, in.Repo.Artifacts.Kubernetes)
	}
	cs := change.New(in.Task.ID, in.Task.Mode)
	used := map[string]bool{}
	var resources []string
	var images []k8sImage
	base := p.Dir
	if p.Kustomize {
		base = path.Join(p.Dir, "base")
	}
	for i := range services {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		others := map[string]bool{}
		if in.Repo != nil {
			for _, o := range in.Repo.Services {
				if o.Dir != services[i].Dir {
					others[o.Dir] = true
				}
			}
		}
		app, notes, err := k8sAppFor(tbl, in.Workspace, &services[i], p, others, owner, repo, known)
		if err != nil {
			return nil, err
		}
		if used[app.Name] {
			return nil, fmt.Errorf("two services map to the Kubernetes name %q: name them in separate tasks", app.Name)
		}
		used[app.Name] = true
		if p.Helm {
			if err := helmWriteChart(in.Workspace, cs, &services[i], app, p, notes, known); err != nil {
				return nil, err
			}
			continue
		}
		files, err := k8sWriteApp(in.Workspace, cs, path.Join(base, app.Name), app, p, notes, existing)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			resources = append(resources, path.Join(app.Name, f))
		}
		images = append(images, k8sImage{Name: app.ImageName, Tag: "IMAGE_TAG"})
	}
	if p.Kustomize {
		if err := k8sWriteKustomize(in.Workspace, cs, p.Dir, resources, images); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// k8sAppFor works out one service's manifest data and the notes on what
// was assumed.
func k8sAppFor(tbl *kit.ImageTable, ws fs.FS, s *stack.Service, p k8sParams, others map[string]bool, owner, repo string, known bool) (k8sApp, []string, error) {
	several := len(others) > 0
	var notes []string
	app := k8sApp{Name: kit.K8sName(kit.ServiceName(*s)), Port: s.Port, UID: k8sUID(s.Language), Autoscaling: p.Autoscaling,
		CPURequest: "100m", MemRequest: "128Mi", CPULimit: "500m", MemLimit: "256Mi"}
	if s.Language == stack.Java {
		app.MemRequest, app.MemLimit = "512Mi", "1Gi"
	}
	if p.AzureWorkloadIdentity {
		app.AzureClientID = kit.AzureClientIDPlaceholder
	}
	if app.Port <= 0 || app.Port > 65535 {
		imgs, err := tbl.ImagesFor(s, "")
		if err != nil {
			return k8sApp{}, nil, fmt.Errorf("service %s states no port, so the container port cannot be chosen: %w", kit.DirLabel(s.Dir), err)
		}
		app.Port = imgs.Port
		notes = append(notes, fmt.Sprintf("no port found in %s, so the container port is %d, the usual %s port (as in the Dockerfile)", kit.DirLabel(s.Dir), app.Port, s.Language))
	}
	if p.CloudSQLProxy {
		sql, err := k8sCloudSQLFor(tbl, s, app.Port)
		if err != nil {
			return k8sApp{}, nil, err
		}
		app.CloudSQL = sql
	}
	hp, src, err := ServiceHealthPath(ws, s, others)
	if err != nil {
		return k8sApp{}, nil, err
	}
	app.HealthPath = hp
	if hp != "" {
		notes = append(notes, fmt.Sprintf("probes GET %s, which %s states", hp, src))
	} else {
		notes = append(notes, fmt.Sprintf("probes open a TCP connection to port %d: the code states no /healthz or /health endpoint", app.Port))
	}
	app.ImageName = K8sImageName(s, several, owner, repo, known)
	app.Image = app.ImageName + ":IMAGE_TAG"
	app.ImageComment = "The image is the one the Image workflow pushes; IMAGE_TAG is set at deploy time (sha-<short commit> or a vX.Y.Z release)."
	if !known {
		app.ImageComment = "The image is the one the Image workflow pushes: replace OWNER/REPO with your lowercase GitHub owner and repository; IMAGE_TAG is set at deploy time (sha-<short commit> or a vX.Y.Z release)."
		notes = append(notes, "OWNER/REPO in the image name is a placeholder: the issue did not say which GitHub repository this is")
	}
	if s.Image.NonRoot() {
		// The repository's own Dockerfile says who the image runs as:
		// its files belong to that user.
		app.UID = s.Image.UID
		notes = append(notes, fmt.Sprintf("runs as uid %d, the user %s runs as (%s), with a read-only root filesystem and an emptyDir at /tmp", app.UID, s.Image.Dockerfile, s.Image.UIDSource))
		if _, built := tbl.Languages[string(s.Language)]; !built {
			notes = append(notes, fmt.Sprintf("devops-lead did not write %s: if the program writes outside /tmp (logs, pid or cache files under its own directory), mount an emptyDir there or turn readOnlyRootFilesystem off", s.Image.Dockerfile))
		}
	} else {
		notes = append(notes, fmt.Sprintf("runs as uid %d, the %s image's non-root user, with a read-only root filesystem and an emptyDir at /tmp", app.UID, s.Language))
	}
	if app.CloudSQL != nil {
		notes = append(notes, cloudSQLNote(app.CloudSQL))
	}
	if p.Ingress {
		app.Host = app.Name + ".example.com"
	}
	return app, notes, nil
}

// k8sCloudSQLFor is the Cloud SQL Auth Proxy sidecar of a service whose
// container listens on port: the image from images.yaml and the
// placeholders the deploy fills in. The proxy's ports must be free.
func k8sCloudSQLFor(tbl *kit.ImageTable, s *stack.Service, port int) (*k8sCloudSQL, error) {
	img, err := tbl.Sidecar(kit.SidecarCloudSQLProxy)
	if err != nil {
		return nil, err
	}
	if port == cloudSQLProxyPort || port == cloudSQLProxyHealthPort {
		return nil, fmt.Errorf("service %s listens on port %d, which the Cloud SQL Auth Proxy sidecar takes in the pod (%d for PostgreSQL, %d for its health checks): move the app to another port", kit.DirLabel(s.Dir), port, cloudSQLProxyPort, cloudSQLProxyHealthPort)
	}
	return &k8sCloudSQL{Image: img.Image, UID: img.UID, Port: cloudSQLProxyPort, HealthPort: cloudSQLProxyHealthPort,
		Instance: kit.GCPDBConnectionNamePlaceholder, ServiceAccount: kit.GCPDBServiceAccountPlaceholder,
		User: kit.GCPDBUserPlaceholder, Database: kit.GCPDBNamePlaceholder}, nil
}

// cloudSQLNote says what the Cloud SQL Auth Proxy sidecar does and which
// placeholders the deploy fills in.
func cloudSQLNote(c *k8sCloudSQL) string {
	return fmt.Sprintf("runs the Cloud SQL Auth Proxy (%s) as a native sidecar (an init container with restartPolicy: Always, Kubernetes 1.29 or later) as uid %d: "+
		"it reaches Cloud SQL over the private IP and logs in with IAM database authentication as the login service account of the Terraform root, "+
		"listens on 127.0.0.1:%d, and the app starts once its /startup check passes; the app gets DATABASE_HOST, DATABASE_PORT, DATABASE_USER and DATABASE_NAME and no password; "+
		"the deploy workflow fills in %s, %s, %s and %s from the repository variables of those names",
		c.Image, c.UID, c.Port, c.Instance, c.ServiceAccount, c.User, c.Database)
}

// saNote says what the ServiceAccount is for.
func saNote(app k8sApp) string {
	switch {
	case app.AzureClientID != "":
		return "a ServiceAccount of its own, with no API token mounted; the app identity of the Terraform root trusts it through AKS workload identity, and the deploy workflow fills in its client id (" + kit.AzureClientIDPlaceholder + ")"
	case app.CloudSQL != nil:
		return "a ServiceAccount of its own, with no API token mounted; through Workload Identity Federation for GKE it is the app's identity on Google Cloud, which the Terraform root lets impersonate the database login service account (output db_service_account)"
	}
	return "a ServiceAccount of its own, with no API token mounted"
}

// K8sImageName is the image (without a tag) the manifests of service s
// run: the one the Image workflow pushes to GHCR, with OWNER/REPO when the
// repository is not known. Cluster deploy workflows replace it with the
// image they push.
func K8sImageName(s *stack.Service, several bool, owner, repo string, known bool) string {
	name := "ghcr.io/OWNER/REPO"
	if known {
		name = "ghcr.io/" + owner + "/" + repo
	}
	if several {
		name += "/" + kit.CIImageName(kit.JoinPath(s.Dir, "Dockerfile"))
	}
	return name
}

// k8sUID is the numeric non-root user of the runtime images the container
// specialist writes (the kubelet cannot verify runAsNonRoot for a named
// user): distroless nonroot 65532, the node image's node 1000, and the
// 10001 the Python and Java Dockerfiles create.
func k8sUID(l stack.Language) int {
	switch l {
	case stack.Go, stack.Rust:
		return 65532
	case stack.Node:
		return 1000
	}
	return 10001
}

// k8sWriteApp renders one service's manifests into dir and returns the
// file names written (or kept). An object the repository already declares
// in another file (same kind and name) is not written again; the notes say
// where it is.
func k8sWriteApp(ws fs.FS, cs *change.ChangeSet, dir string, app k8sApp, p k8sParams, notes []string, existing map[string]string) ([]string, error) {
	type doc struct{ tmpl, kind, file, note string }
	docs := []doc{
		{"serviceaccount", "ServiceAccount", "serviceaccount.yaml", saNote(app)},
		{"deployment", "Deployment", "deployment.yaml", strings.Join(notes, "; ")},
		{"service", "Service", "service.yaml", "ClusterIP Service on port 80 to the container's http port"},
	}
	if p.Ingress {
		docs = append(docs, doc{"ingress", "Ingress", "ingress.yaml", fmt.Sprintf("host %s is a placeholder; create the TLS Secret %s-tls (or let cert-manager); no ingressClassName is set, so the cluster's default class serves it", app.Host, app.Name)},
			doc{"networkpolicy", "NetworkPolicy", "networkpolicy.yaml", "admits traffic only on the http port; add a from: clause for your ingress controller's namespace"})
	}
	if p.Autoscaling {
		docs = append(docs,
			doc{"hpa", "HorizontalPodAutoscaler", "hpa.yaml", "scales 2 to 10 replicas on 70% CPU and 80% memory of the requests; needs metrics-server"},
			doc{"pdb", "PodDisruptionBudget", "pdb.yaml", "keeps at least one pod up during voluntary disruptions (node drains)"})
	}
	var files, kept []string
	for _, d := range docs {
		target := path.Join(dir, d.file)
		if at, ok := existing[d.kind+"/"+app.Name]; ok && at != target {
			kept = append(kept, fmt.Sprintf("%s %s (already in %s)", d.kind, app.Name, at))
			continue
		}
		out, err := templates.Render(d.tmpl+".yaml.tmpl", app)
		if err != nil {
			return nil, err
		}
		if err := kit.KeepOrPut(ws, cs, target, out, d.note); err != nil {
			return nil, err
		}
		files = append(files, d.file)
	}
	if len(kept) > 0 {
		for _, f := range cs.Files {
			if strings.HasPrefix(f.Path, dir+"/") {
				f.Note += "; not written, since the repository has them: " + strings.Join(kept, ", ")
			}
		}
	}
	return files, nil
}

// k8sImage is one images: entry of a Kustomization.
type k8sImage struct{ Name, Tag string }

// k8sKustomization is what kustomization.yaml.tmpl renders.
type k8sKustomization struct {
	Namespace string
	Resources []string
	Images    []k8sImage
}

// k8sWriteKustomize writes the base kustomization and the staging and
// production overlays, which set the image tags.
func k8sWriteKustomize(ws fs.FS, cs *change.ChangeSet, dir string, resources []string, images []k8sImage) error {
	out, err := templates.Render("kustomization.yaml.tmpl", k8sKustomization{Resources: resources})
	if err != nil {
		return err
	}
	if err := kit.KeepOrPut(ws, cs, path.Join(dir, "base", "kustomization.yaml"), out, "the base: every service's manifests"); err != nil {
		return err
	}
	for _, env := range []string{"staging", "production"} {
		out, err := templates.Render("kustomization.yaml.tmpl", k8sKustomization{Namespace: env, Resources: []string{"../../base"}, Images: images})
		if err != nil {
			return err
		}
		note := fmt.Sprintf("the %s overlay, in namespace %s (create it or change the name); IMAGE_TAG is a placeholder the deploy replaces with kustomize edit set image", env, env)
		if err := kit.KeepOrPut(ws, cs, path.Join(dir, "overlays", env, "kustomization.yaml"), out, note); err != nil {
			return err
		}
	}
	return nil
}
