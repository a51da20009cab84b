package validate

import (
	"strings"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
)

// Pod template rules: the restricted Pod Security Standard, pinned images,
// requests and limits, probes.

var (
	ruleK8sNonRoot = register(Rule{
		ID: "k8s-run-as-non-root", Kind: KindKubernetes, Severity: Error,
		Summary: "containers run as a non-root user",
		Checkov: "CKV_K8S_23",
		Help:    "set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser the image supports",
	})
	ruleK8sPrivEsc = register(Rule{
		ID: "k8s-privilege-escalation", Kind: KindKubernetes, Severity: Error,
		Summary: "containers set allowPrivilegeEscalation: false",
		Checkov: "CKV_K8S_20",
		Help:    "set securityContext.allowPrivilegeEscalation: false on every container",
	})
	ruleK8sCaps = register(Rule{
		ID: "k8s-capabilities", Kind: KindKubernetes, Severity: Error,
		Summary: "containers drop ALL capabilities",
		Help:    "set securityContext.capabilities.drop: [ALL] and add back only NET_BIND_SERVICE if needed",
	})
	ruleK8sSeccomp = register(Rule{
		ID: "k8s-seccomp", Kind: KindKubernetes, Severity: Error,
		Summary: "pods or containers use the RuntimeDefault (or a Localhost) seccomp profile",
		Help:    "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
	})
	ruleK8sReadOnly = register(Rule{
		ID: "k8s-readonly-rootfs", Kind: KindKubernetes, Severity: Error,
		Summary: "containers have a read-only root filesystem",
		Checkov: "CKV_K8S_22",
		Help:    "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the app writes",
	})
	ruleK8sPrivileged = register(Rule{
		ID: "k8s-privileged", Kind: KindKubernetes, Severity: Error,
		Summary: "no container runs privileged",
		Checkov: "CKV_K8S_16",
		Help:    "remove securityContext.privileged: true",
	})
	ruleK8sHostNS = register(Rule{
		ID: "k8s-host-namespaces", Kind: KindKubernetes, Severity: Error,
		Summary: "pods do not share the host network, PID or IPC namespace",
		Checkov: "CKV_K8S_17, CKV_K8S_18, CKV_K8S_19",
		Help:    "remove hostNetwork/hostPID/hostIPC: true; expose the pod through a Service",
	})
	ruleK8sResources = register(Rule{
		ID: "k8s-resources", Kind: KindKubernetes, Severity: Warning,
		Summary: "containers set cpu and memory requests and limits",
		Checkov: "CKV_K8S_10, CKV_K8S_11, CKV_K8S_12, CKV_K8S_13",
		Help:    "set resources.requests and resources.limits for cpu and memory",
	})
	ruleK8sProbes = register(Rule{
		ID: "k8s-probes", Kind: KindKubernetes, Severity: Warning,
		Summary: "Deployment and StatefulSet containers have liveness and readiness probes",
		Checkov: "CKV_K8S_8, CKV_K8S_9",
		Help:    "add livenessProbe and readinessProbe (httpGet on a health endpoint, or tcpSocket)",
	})
	ruleK8sImageTag = register(Rule{
		ID: "k8s-image-tag", Kind: KindKubernetes, Severity: Error,
		Summary: "container images are pinned to a tag that is not latest (or a digest)",
		Checkov: "CKV_K8S_14",
		Help:    "write image: name:1.2.3 with a version taken from the repository",
	})
)

// k8sContainer is one container with its node and whether it is an init
// container.
type k8sContainer struct {
	c    *corev1.Container
	node *yaml.Node
	init bool
}

// checkPodSpec runs the pod rules on one pod spec.
func checkPodSpec(p, what string, spec *corev1.PodSpec, specNode *yaml.Node, needProbes bool) []Finding {
	var out []Finding
	for _, ns := range []struct {
		key string
		on  bool
	}{{"hostNetwork", spec.HostNetwork}, {"hostPID", spec.HostPID}, {"hostIPC", spec.HostIPC}} {
		if ns.on {
			line, col := k8sKeyPos(specNode, specNode, ns.key)
			out = append(out, ruleK8sHostNS.at(p, line, col, "%s sets %s: true", what, ns.key))
		}
	}
	var cs []k8sContainer
	_, initNodes := ynGet(specNode, "initContainers")
	for i := range spec.InitContainers {
		cs = append(cs, k8sContainer{&spec.InitContainers[i], ynIndex(initNodes, i, specNode), true})
	}
	_, nodes := ynGet(specNode, "containers")
	for i := range spec.Containers {
		cs = append(cs, k8sContainer{&spec.Containers[i], ynIndex(nodes, i, specNode), false})
	}
	for _, kc := range cs {
		out = append(out, checkContainer(p, what, spec, kc, needProbes)...)
	}
	return out
}

// checkContainer runs the container rules.
func checkContainer(p, what string, spec *corev1.PodSpec, kc k8sContainer, needProbes bool) []Finding {
	var out []Finding
	c, n := kc.c, kc.node
	who := what + " container " + c.Name
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	sc := c.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	at := func(r Rule, format string, keys ...string) {
		line, col := k8sKeyPos(n, n, keys...)
		out = append(out, r.at(p, line, col, format, who))
	}
	if problem := refPinProblem(c.Image); problem != "" {
		line, col := k8sKeyPos(n, n, "image")
		out = append(out, ruleK8sImageTag.at(p, line, col, "%s: image %q %s", who, c.Image, problem))
	}
	if sc.Privileged != nil && *sc.Privileged {
		at(ruleK8sPrivileged, "%s runs privileged", "securityContext", "privileged")
	}
	if !k8sNonRoot(psc, sc) {
		at(ruleK8sNonRoot, "%s may run as root: set runAsNonRoot: true", "securityContext", "runAsNonRoot")
	}
	linux := !k8sWindowsPod(spec)
	if linux && (sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation) {
		at(ruleK8sPrivEsc, "%s does not set allowPrivilegeEscalation: false", "securityContext", "allowPrivilegeEscalation")
	}
	if linux && !k8sDropsAll(sc) {
		at(ruleK8sCaps, "%s does not drop ALL capabilities", "securityContext", "capabilities")
	}
	if linux && !k8sSeccompOK(psc, sc) {
		at(ruleK8sSeccomp, "%s has no RuntimeDefault seccomp profile", "securityContext", "seccompProfile")
	}
	if linux && (sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem) {
		at(ruleK8sReadOnly, "%s does not set readOnlyRootFilesystem: true", "securityContext", "readOnlyRootFilesystem")
	}
	if missing := k8sMissingResources(c); len(missing) > 0 {
		line, col := k8sKeyPos(n, n, "resources")
		out = append(out, ruleK8sResources.at(p, line, col, "%s does not set %s", who, strings.Join(missing, ", ")))
	}
	if needProbes && !kc.init {
		var missing []string
		if c.LivenessProbe == nil {
			missing = append(missing, "livenessProbe")
		}
		if c.ReadinessProbe == nil {
			missing = append(missing, "readinessProbe")
		}
		if len(missing) > 0 {
			line, col := ynLine(n)
			out = append(out, ruleK8sProbes.at(p, line, col, "%s has no %s", who, strings.Join(missing, " and ")))
		}
	}
	return out
}

// k8sNonRoot reports whether the effective context forbids root: a
// container setting overrides the pod's, and uid 0 is root whatever
// runAsNonRoot says.
func k8sNonRoot(psc *corev1.PodSecurityContext, sc *corev1.SecurityContext) bool {
	uid := psc.RunAsUser
	if sc.RunAsUser != nil {
		uid = sc.RunAsUser
	}
	if uid != nil && *uid == 0 {
		return false
	}
	nonRoot := psc.RunAsNonRoot
	if sc.RunAsNonRoot != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if nonRoot != nil {
		return *nonRoot
	}
	return uid != nil && *uid > 0
}

// k8sDropsAll reports whether the container drops ALL capabilities.
func k8sDropsAll(sc *corev1.SecurityContext) bool {
	if sc.Capabilities == nil {
		return false
	}
	for _, d := range sc.Capabilities.Drop {
		if strings.EqualFold(string(d), "ALL") {
			return true
		}
	}
	return false
}

// k8sWindowsPod reports whether a pod runs on Windows nodes: spec.os.name
// windows, a kubernetes.io/os: windows node selector, or a hostProcess
// pod. allowPrivilegeEscalation, capabilities, seccomp and
// readOnlyRootFilesystem are Linux settings (the API rejects them on a
// pod with spec.os.name windows, and the restricted profile exempts
// Windows pods), so a Windows pod is not told to set them
// (prometheus-community/helm-charts' prometheus-windows-exporter).
func k8sWindowsPod(spec *corev1.PodSpec) bool {
	if spec.OS != nil && spec.OS.Name == corev1.Windows {
		return true
	}
	if spec.NodeSelector["kubernetes.io/os"] == "windows" {
		return true
	}
	psc := spec.SecurityContext
	return psc != nil && psc.WindowsOptions != nil && psc.WindowsOptions.HostProcess != nil && *psc.WindowsOptions.HostProcess
}

// k8sSeccompOK reports whether the effective seccomp profile confines.
func k8sSeccompOK(psc *corev1.PodSecurityContext, sc *corev1.SecurityContext) bool {
	prof := psc.SeccompProfile
	if sc.SeccompProfile != nil {
		prof = sc.SeccompProfile
	}
	return prof != nil && (prof.Type == corev1.SeccompProfileTypeRuntimeDefault || prof.Type == corev1.SeccompProfileTypeLocalhost)
}

// k8sMissingResources lists the requests and limits a container lacks; a
// request whose limit is set is not lacking (the API server copies it).
func k8sMissingResources(c *corev1.Container) []string {
	var missing []string
	for _, kind := range []string{"requests", "limits"} {
		list := c.Resources.Requests
		if kind == "limits" {
			list = c.Resources.Limits
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, limited := c.Resources.Limits[r]; kind == "requests" && limited {
				continue // the API copies a limit into the missing request
			}
			if _, ok := list[r]; !ok {
				missing = append(missing, kind+"."+string(r))
			}
		}
	}
	return missing
}

// k8sKeyPos returns the position of the deepest existing key along a path
// under n, or of fallback when the first key is missing.
func k8sKeyPos(n, fallback *yaml.Node, keys ...string) (int, int) {
	line, col := ynLine(fallback)
	cur := n
	for _, k := range keys {
		kn, v := ynGet(cur, k)
		if kn == nil {
			break
		}
		line, col = kn.Line, kn.Column
		cur = v
	}
	return line, col
}

// ynIndex returns the i-th item of a sequence node, or fallback.
func ynIndex(seq *yaml.Node, i int, fallback *yaml.Node) *yaml.Node {
	if seq != nil && seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
		return ynDeref(seq.Content[i])
	}
	return fallback
}
