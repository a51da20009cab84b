package validate

import (
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"
)

// Kubernetes manifests: every document of a multi-document file is decoded
// strictly into its k8s.io/api type (unknown or mistyped fields are
// errors); kinds we do not know (CRDs, Kustomization) only have to parse.
// Pod template rules live in rule_k8s_pod.go.

var (
	ruleK8sParse = register(Rule{
		ID: "k8s-parse", Kind: KindKubernetes, Severity: Error,
		Summary: "a Kubernetes manifest must parse as YAML",
		Help:    "fix the YAML syntax at the reported line",
	})
	ruleK8sSchema = register(Rule{
		ID: "k8s-schema", Kind: KindKubernetes, Severity: Error,
		Summary: "a manifest of a known kind decodes strictly into its API type (no unknown or mistyped fields, a served apiVersion)",
		Help:    "fix the field the message names; see https://kubernetes.io/docs/reference/kubernetes-api/",
	})
)

func init() {
	registerChecker(KindKubernetes, checkKubernetes)
}

// k8sTypes maps apiVersion/kind to a constructor of the API type that a
// document of that kind decodes into.
var k8sTypes = map[string]func() any{
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                    func() any { return &appsv1.StatefulSet{} },
	"apps/v1/DaemonSet":                      func() any { return &appsv1.DaemonSet{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"batch/v1/CronJob":                       func() any { return &batchv1.CronJob{} },
	"v1/Pod":                                 func() any { return &corev1.Pod{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"v1/Namespace":                           func() any { return &corev1.Namespace{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1/NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
}

// k8sRemovedAPIs are apiVersions of known kinds that current clusters no
// longer serve.
var k8sRemovedAPIs = map[string]string{
	"extensions/v1beta1":        "apps/v1 or networking.k8s.io/v1",
	"apps/v1beta1":              "apps/v1",
	"apps/v1beta2":              "apps/v1",
	"batch/v1beta1":             "batch/v1",
	"policy/v1beta1":            "policy/v1",
	"networking.k8s.io/v1beta1": "networking.k8s.io/v1",
	"autoscaling/v2beta1":       "autoscaling/v2",
	"autoscaling/v2beta2":       "autoscaling/v2",
}

// k8sKnownKind reports whether a kind (of any apiVersion) is in k8sTypes.
func k8sKnownKind(kind string) bool {
	for k := range k8sTypes {
		if strings.HasSuffix(k, "/"+kind) {
			return true
		}
	}
	return false
}

// checkKubernetes checks every document of a manifest file. A Helm
// template seen alone is skipped: Check renders charts and passes what
// they render to checkK8sManifest.
func checkKubernetes(p string, content []byte) []Finding {
	if isHelmTemplate(p, content) {
		return nil
	}
	return checkK8sManifest(p, content)
}

// checkK8sManifest checks every document of a manifest: the Kubernetes
// checks shared by manifest files and rendered Helm templates.
func checkK8sManifest(p string, content []byte) []Finding {
	docs, err := yamlDocs(content)
	if err != nil {
		return []Finding{ruleK8sParse.at(p, yamlErrLine(err), 0, "the YAML does not parse: %s", yamlErrText(err))}
	}
	var out []Finding
	for _, doc := range docs {
		out = append(out, checkK8sDoc(p, doc)...)
	}
	return out
}

// checkK8sDoc checks one document.
func checkK8sDoc(p string, doc *yaml.Node) []Finding {
	root := ynRoot(doc)
	if root == nil || (root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
		return nil // an empty document
	}
	if root.Kind != yaml.MappingNode {
		return []Finding{ruleK8sSchema.at(p, root.Line, root.Column, "a Kubernetes document is a mapping with apiVersion and kind")}
	}
	apiVersion, _ := ynScalar(ynPath(root, "apiVersion"))
	kind, _ := ynScalar(ynPath(root, "kind"))
	if apiVersion == "" || kind == "" {
		return []Finding{ruleK8sSchema.at(p, root.Line, root.Column, "the document has no apiVersion or no kind")}
	}
	if apiVersion == "monitoring.coreos.com/v1" && kind == "PrometheusRule" {
		return checkPrometheusRuleCRD(p, doc, root)
	}
	if k8sHasPatchDirective(root) {
		// A strategic-merge patch ($patch: delete, $setElementOrder,
		// $retainKeys): kustomize applies it to an object defined
		// elsewhere; the API never receives it as is.
		return nil
	}
	newObj := k8sTypes[apiVersion+"/"+kind]
	if newObj == nil {
		if repl, removed := k8sRemovedAPIs[apiVersion]; removed && k8sKnownKind(kind) {
			k, _ := ynGet(root, "apiVersion")
			return []Finding{ruleK8sSchema.at(p, k.Line, k.Column, "%s %s is no longer served by Kubernetes: use %s", apiVersion, kind, repl)}
		}
		return nil // a CRD or a kind we do not model: YAML only
	}
	raw, err := yaml.Marshal(doc)
	if err != nil {
		return []Finding{ruleK8sSchema.at(p, root.Line, root.Column, "the %s does not re-encode: %v", kind, err)}
	}
	obj := newObj()
	if err := sigsyaml.UnmarshalStrict(raw, obj); err != nil {
		line, col := k8sErrPos(root, err.Error())
		return []Finding{ruleK8sSchema.at(p, line, col, "the %s does not match the %s schema: %s", kind, apiVersion, k8sErrText(err))}
	}
	name, _ := ynScalar(ynPath(root, "metadata", "name"))
	if name == "" {
		name = "(unnamed)"
	}
	if k8sPatchFragment(p, obj, root) {
		return nil
	}
	if f, bad := k8sStructure(p, kind+"/"+name, obj, root); bad {
		return []Finding{f}
	}
	return checkK8sWorkload(p, kind+"/"+name, obj, root)
}

// k8sStructure checks what the API server would refuse in a workload that
// decodes: a missing selector, a selector that does not match the pod
// template's labels, a pod without containers.
func k8sStructure(p, what string, obj any, root *yaml.Node) (Finding, bool) {
	var sel *metav1.LabelSelector
	var labels map[string]string
	selPath := []string{"spec", "selector"}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		sel, labels = o.Spec.Selector, o.Spec.Template.Labels
	case *appsv1.StatefulSet:
		sel, labels = o.Spec.Selector, o.Spec.Template.Labels
	case *appsv1.DaemonSet:
		sel, labels = o.Spec.Selector, o.Spec.Template.Labels
	}
	switch {
	case k8sHasSelector(obj) && sel == nil:
		line, col := k8sKeyPos(root, root, "spec")
		return ruleK8sSchema.at(p, line, col, "%s has no spec.selector", what), true
	case sel != nil:
		for _, k := range sortedKeys(sel.MatchLabels) {
			if v := sel.MatchLabels[k]; labels[k] != v {
				line, col := k8sKeyPos(root, root, append(selPath, "matchLabels", k)...)
				return ruleK8sSchema.at(p, line, col, "%s selector %s=%s does not match the pod template's labels", what, k, v), true
			}
		}
	}
	spec, specPath, _ := k8sPodTemplate(obj)
	if spec != nil && len(spec.Containers) == 0 {
		line, col := k8sKeyPos(root, root, specPath...)
		return ruleK8sSchema.at(p, line, col, "%s has no containers", what), true
	}
	return Finding{}, false
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// k8sHasSelector reports whether a kind requires spec.selector.
func k8sHasSelector(obj any) bool {
	switch obj.(type) {
	case *appsv1.Deployment, *appsv1.StatefulSet, *appsv1.DaemonSet:
		return true
	}
	return false
}

var (
	k8sUnknownFieldRe = regexp.MustCompile(`unknown field "([^"]+)"`)
	k8sGoFieldRe      = regexp.MustCompile(`Go struct field [A-Za-z0-9_]+\.([A-Za-z0-9_.\[\]]+)`)
)

// k8sErrPos finds the key a decode error names, for its line.
func k8sErrPos(root *yaml.Node, msg string) (int, int) {
	field := ""
	if m := k8sUnknownFieldRe.FindStringSubmatch(msg); m != nil {
		field = m[1]
	} else if m := k8sGoFieldRe.FindStringSubmatch(msg); m != nil {
		field = m[1]
	}
	if field != "" {
		parts := strings.Split(field, ".")
		last := parts[len(parts)-1]
		if i := strings.IndexByte(last, '['); i >= 0 {
			last = last[:i]
		}
		if k := ynFindKey(root, last); k != nil {
			return k.Line, k.Column
		}
	}
	return root.Line, root.Column
}

// k8sErrText trims the decoder's wrapping from an error.
func k8sErrText(err error) string {
	s := err.Error()
	for _, pre := range []string{"error unmarshaling JSON: ", "while decoding JSON: ", "json: "} {
		s = strings.TrimPrefix(s, pre)
	}
	return strings.Join(strings.Fields(s), " ")
}

// k8sPodTemplate returns the pod spec of a workload, the node path to it
// and whether the kind needs probes.
func k8sPodTemplate(obj any) (*corev1.PodSpec, []string, bool) {
	tmpl := []string{"spec", "template", "spec"}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec, tmpl, true
	case *appsv1.StatefulSet:
		return &o.Spec.Template.Spec, tmpl, true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec, tmpl, false
	case *batchv1.Job:
		return &o.Spec.Template.Spec, tmpl, false
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, []string{"spec", "jobTemplate", "spec", "template", "spec"}, false
	case *corev1.Pod:
		return &o.Spec, []string{"spec"}, false
	}
	return nil, nil, false
}

// checkK8sWorkload runs the pod rules on a workload's pod template.
func checkK8sWorkload(p, what string, obj any, root *yaml.Node) []Finding {
	spec, specPath, needProbes := k8sPodTemplate(obj)
	if spec == nil {
		return nil
	}
	specNode := ynPath(root, specPath...)
	if specNode == nil {
		specNode = root
	}
	return checkPodSpec(p, what, spec, specNode, needProbes)
}

// k8sPatchFragment reports whether a workload document is a patch: in a
// patch file (kubeadm's or kind's patches/, a kustomize overlay's
// patches/ or *patch*.yaml), with a container that names no image. Such
// a fragment sets a few fields of an object defined elsewhere, whose
// selector, security context, resources and image it does not repeat;
// the API refuses a container without an image, so it is never applied
// as is.
func k8sPatchFragment(p string, obj any, root *yaml.Node) bool {
	_, specPath, _ := k8sPodTemplate(obj)
	if specPath == nil || !k8sPatchFile(p) {
		return false
	}
	return k8sImagelessContainer(ynPath(root, specPath...))
}

// k8sHasPatchDirective reports whether a mapping holds, at any depth, a
// strategic-merge-patch directive: a key starting with "$" such as $patch.
// No Kubernetes object has such a field.
func k8sHasPatchDirective(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if k == "$patch" || k == "$retainKeys" || strings.HasPrefix(k, "$setElementOrder/") || strings.HasPrefix(k, "$deleteFromPrimitiveList/") {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if k8sHasPatchDirective(c) {
			return true
		}
	}
	return false
}

// k8sPatchFile reports whether a path names a patch: a directory called
// patches or patch on the way, or a file name with "patch" in it.
func k8sPatchFile(p string) bool {
	dir, base := path.Split(strings.ToLower(p))
	if strings.Contains(base, "patch") {
		return true
	}
	for _, seg := range strings.Split(strings.Trim(dir, "/"), "/") {
		if seg == "patches" || seg == "patch" {
			return true
		}
	}
	return false
}

// k8sImagelessContainer reports whether a pod spec node has a container
// or init container without an image key.
func k8sImagelessContainer(spec *yaml.Node) bool {
	for _, key := range []string{"containers", "initContainers"} {
		_, seq := ynGet(spec, key)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range seq.Content {
			if k, _ := ynGet(ynDeref(c), "image"); k == nil {
				return true
			}
		}
	}
	return false
}
