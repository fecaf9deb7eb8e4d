package deploytest

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// loadKustomization decodes dir/kustomization.yaml and every resource it
// lists, strictly.
func loadKustomization(t *testing.T, dir string) (*Kustomization, []any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatalf("read kustomization: %v", err)
	}
	k, err := DecodeManifest(b)
	if err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	kust := k.(*Kustomization)
	var objs []any
	for _, r := range kust.Resources {
		data, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			t.Fatalf("resource %s: %v", r, err)
		}
		docs, err := SplitDocuments(data)
		if err != nil {
			t.Fatalf("resource %s: %v", r, err)
		}
		for i, d := range docs {
			o, err := DecodeManifest(d)
			if err != nil {
				t.Fatalf("resource %s document %d: %v", r, i+1, err)
			}
			objs = append(objs, o)
		}
	}
	return kust, objs
}

func selects(sel, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func TestK8sBase(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "deploy", "k8s")
	kust, objs := loadKustomization(t, dir)
	var (
		dep *Deployment
		svc *Service
		sm  *ServiceMonitor
		pdb *PodDisruptionBudget
	)
	for _, o := range objs {
		switch v := o.(type) {
		case *Deployment:
			dep = v
		case *Service:
			svc = v
		case *ServiceMonitor:
			sm = v
		case *PodDisruptionBudget:
			pdb = v
		default:
			t.Errorf("unexpected object %T in the base", o)
		}
	}
	if dep == nil || svc == nil || sm == nil || pdb == nil {
		t.Fatalf("base must hold a Deployment, Service, ServiceMonitor and PodDisruptionBudget; got %T", objs)
	}
	pod := dep.Spec.Template.Metadata.Labels
	if !selects(dep.Spec.Selector.MatchLabels, pod) {
		t.Errorf("Deployment selector %v does not select its pod labels %v", dep.Spec.Selector.MatchLabels, pod)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("Deployment replicas = %v, want at least 2 (one consumer group, shared partitions)", dep.Spec.Replicas)
	}
	if !selects(svc.Spec.Selector, pod) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, pod)
	}
	if !selects(pdb.Spec.Selector.MatchLabels, pod) {
		t.Errorf("PDB selector does not select the pods")
	}
	if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
		t.Errorf("PDB sets neither minAvailable nor maxUnavailable")
	}
	if !selects(sm.Spec.Selector.MatchLabels, svc.Metadata.Labels) {
		t.Errorf("ServiceMonitor selector %v does not select the Service labels %v", sm.Spec.Selector.MatchLabels, svc.Metadata.Labels)
	}
	// The dashboards and rules select job="socwatch"; the operator sets job
	// to the Service name.
	if svc.Metadata.Name != "socwatch" {
		t.Errorf("Service name %q, want socwatch (it becomes the job label the dashboards use)", svc.Metadata.Name)
	}

	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image, ":") {
		t.Errorf("image %q: want a pinned tag", c.Image)
	}
	portNames := map[string]int{}
	for _, p := range c.Ports {
		portNames[p.Name] = p.ContainerPort
	}
	env := map[string]EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if addr := env["SOCWATCH_METRICS_ADDR"].Value; !strings.HasSuffix(addr, ":"+itoa(portNames["metrics"])) || portNames["metrics"] == 0 {
		t.Errorf("SOCWATCH_METRICS_ADDR %q does not listen on the metrics port %d", addr, portNames["metrics"])
	}
	for _, sp := range svc.Spec.Ports {
		if _, ok := portNames[sp.TargetPort]; !ok {
			t.Errorf("Service port %s targets %q, not a container port name", sp.Name, sp.TargetPort)
		}
	}
	for _, ep := range sm.Spec.Endpoints {
		found := false
		for _, sp := range svc.Spec.Ports {
			found = found || sp.Name == ep.Port
		}
		if !found || ep.Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoint port %q path %q: want a Service port name and /metrics", ep.Port, ep.Path)
		}
		// The group label the dashboards use comes from the pod label.
		okGroup := false
		for _, r := range ep.Relabelings {
			if r.TargetLabel == "group" && len(r.SourceLabels) == 1 {
				lbl := strings.TrimPrefix(r.SourceLabels[0], "__meta_kubernetes_pod_label_")
				for k, v := range pod {
					if sanitizeLabel(k) == lbl && v == env["SOCWATCH_KAFKA_GROUP"].Value {
						okGroup = true
					}
				}
			}
		}
		if !okGroup {
			t.Errorf("ServiceMonitor endpoint does not set label group from a pod label equal to SOCWATCH_KAFKA_GROUP %q", env["SOCWATCH_KAFKA_GROUP"].Value)
		}
	}

	probes := []struct {
		name string
		p    *Probe
		path string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}}
	for _, pr := range probes {
		if pr.p == nil || pr.p.HTTPGet == nil {
			t.Errorf("%s probe missing", pr.name)
			continue
		}
		if pr.p.HTTPGet.Path != pr.path {
			t.Errorf("%s probe path %q, want %s", pr.name, pr.p.HTTPGet.Path, pr.path)
		}
		if _, ok := portNames[pr.p.HTTPGet.Port]; !ok {
			t.Errorf("%s probe port %q is not a container port name", pr.name, pr.p.HTTPGet.Port)
		}
	}
	for _, res := range []string{"cpu", "memory"} {
		req, err1 := ParseQuantity(c.Resources.Requests[res])
		lim, err2 := ParseQuantity(c.Resources.Limits[res])
		if err1 != nil || err2 != nil {
			t.Errorf("%s request/limit: %v %v", res, err1, err2)
			continue
		}
		if req <= 0 || req > lim {
			t.Errorf("%s request %v must be positive and at most the limit %v", res, req, lim)
		}
	}
	for _, e := range c.Env {
		if strings.Contains(strings.ToLower(e.Name), "password") && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			t.Errorf("env %s: credentials must come from a Secret reference, not a value", e.Name)
		}
	}
	if sc := dep.Spec.Template.Spec.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("pod securityContext.runAsNonRoot must be true")
	}

	// Rules: the ConfigMap volume is mounted whole (hot reload), --rules
	// points at it, and its items project every generated key.
	volumes := map[string]Volume{}
	for _, v := range dep.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	var rulesMount string
	for _, m := range c.VolumeMounts {
		v, ok := volumes[m.Name]
		if !ok {
			t.Errorf("volumeMount %s names no volume", m.Name)
			continue
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == "socwatch-rules" {
			rulesMount = m.MountPath
			if m.SubPath != "" {
				t.Errorf("rules mounted with subPath: the kubelet never updates it, so hot reload cannot work")
			}
		}
	}
	if rulesMount == "" || !contains(c.Args, "--rules="+rulesMount) {
		t.Errorf("args %v: want --rules=%s (the rules ConfigMap mount)", c.Args, rulesMount)
	}
	if len(kust.ConfigMapGenerator) != 1 || kust.ConfigMapGenerator[0].Name != "socwatch-rules" {
		t.Fatalf("want one configMapGenerator named socwatch-rules")
	}
	gen := kust.ConfigMapGenerator[0]
	if !gen.Options.DisableNameSuffixHash {
		t.Errorf("socwatch-rules needs disableNameSuffixHash: a hashed name restarts pods instead of hot reload")
	}
	keys := map[string]string{} // ConfigMap key -> file in deploy/k8s
	for _, f := range gen.Files {
		key, path, ok := strings.Cut(f, "=")
		if !ok {
			key, path = filepath.Base(f), f
		}
		if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
			t.Errorf("configMapGenerator file %s: %v", path, err)
		}
		keys[key] = path
	}
	projected := map[string]string{} // key -> path in the mount
	for _, it := range volumes["rules"].ConfigMap.Items {
		projected[it.Key] = it.Path
	}
	for key, src := range keys {
		dst, ok := projected[key]
		if !ok {
			t.Errorf("ConfigMap key %s is not projected into the rules volume (items list every key)", key)
			continue
		}
		if want := strings.TrimPrefix(src, "rules/"); dst != want {
			t.Errorf("ConfigMap key %s is mounted at %s, want %s (where the rule files refer to it)", key, dst, want)
		}
	}
	for key := range projected {
		if _, ok := keys[key]; !ok {
			t.Errorf("volume item %s is not a key of the generated ConfigMap", key)
		}
	}
	// The copy must be exactly the shipped pack, fixtures aside.
	want := packFiles(t, filepath.Join(root, "rules", "packs", "aml-core"))
	got := packFiles(t, filepath.Join(dir, "rules"))
	if strings.Join(sortedKeys(want), ",") != strings.Join(sortedKeys(got), ",") {
		t.Errorf("deploy/k8s/rules holds %v, rules/packs/aml-core (without fixtures) holds %v", sortedKeys(got), sortedKeys(want))
	}
	for name, b := range want {
		if g, ok := got[name]; ok && !bytes.Equal(g, b) {
			t.Errorf("deploy/k8s/rules/%s differs from rules/packs/aml-core/%s: copy it again", name, name)
		}
	}
	var genFiles []string
	for _, p := range keys {
		genFiles = append(genFiles, strings.TrimPrefix(p, "rules/"))
	}
	sort.Strings(genFiles)
	if strings.Join(genFiles, ",") != strings.Join(sortedKeys(got), ",") {
		t.Errorf("configMapGenerator files %v, want every file of deploy/k8s/rules %v", genFiles, sortedKeys(got))
	}
}

func TestK8sKEDAComponent(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "deploy", "k8s", "keda")
	kust, objs := loadKustomization(t, dir)
	if kust.Kind != "Component" {
		t.Errorf("keda/ is a %s, want a kustomize Component (optional, added by overlays)", kust.Kind)
	}
	_, base := loadKustomization(t, filepath.Join(root, "deploy", "k8s"))
	var dep *Deployment
	for _, o := range base {
		if d, ok := o.(*Deployment); ok {
			dep = d
		}
	}
	env := map[string]string{}
	for _, e := range dep.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	auths := map[string]bool{}
	var so *ScaledObject
	for _, o := range objs {
		switch v := o.(type) {
		case *ScaledObject:
			so = v
		case *TriggerAuthentication:
			auths[v.Metadata.Name] = true
		}
	}
	if so == nil {
		t.Fatal("keda component has no ScaledObject")
	}
	if so.Spec.ScaleTargetRef.Name != dep.Metadata.Name {
		t.Errorf("ScaledObject targets %q, want the Deployment %q", so.Spec.ScaleTargetRef.Name, dep.Metadata.Name)
	}
	if so.Spec.MinReplicaCount < 1 || so.Spec.MaxReplicaCount < so.Spec.MinReplicaCount {
		t.Errorf("replica range %d..%d", so.Spec.MinReplicaCount, so.Spec.MaxReplicaCount)
	}
	for _, tr := range so.Spec.Triggers {
		if tr.Type != "kafka" {
			continue
		}
		if tr.Metadata["consumerGroup"] != env["SOCWATCH_KAFKA_GROUP"] || tr.Metadata["topic"] != env["SOCWATCH_KAFKA_TOPIC"] {
			t.Errorf("kafka trigger group/topic %q/%q, want the Deployment's %q/%q", tr.Metadata["consumerGroup"], tr.Metadata["topic"], env["SOCWATCH_KAFKA_GROUP"], env["SOCWATCH_KAFKA_TOPIC"])
		}
		if tr.Metadata["bootstrapServers"] != env["SOCWATCH_KAFKA_BROKERS"] {
			t.Errorf("kafka trigger brokers %q, want %q", tr.Metadata["bootstrapServers"], env["SOCWATCH_KAFKA_BROKERS"])
		}
		if !auths[tr.AuthenticationRef.Name] {
			t.Errorf("kafka trigger authenticationRef %q is not in the component", tr.AuthenticationRef.Name)
		}
	}
}

func TestDecodeManifestIsStrict(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"known kind", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selector: {a: b}}\n", true},
		{"misspelt field", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {selectr: {a: b}}\n", false},
		{"field at the wrong level", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {containers: []}\n", false},
		{"unknown kind", "apiVersion: v1\nkind: Servce\nmetadata: {name: a}\n", false},
		{"wrong type", "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: [a]}\n", false},
		{"probe port as number is refused (names only)", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: [{name: c, livenessProbe: {httpGet: {path: /, port: {a: 1}}}}]}}}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeManifest([]byte(tt.doc))
			if (err == nil) != tt.ok {
				t.Fatalf("DecodeManifest err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"500m", 0.5, true}, {"2", 2, true}, {"1Gi", 1 << 30, true}, {"512Mi", 512 << 20, true},
		{"1.5G", 1.5e9, true}, {"", 0, false}, {"1 Gi", 0, false}, {"-1", 0, false}, {"1GB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseQuantity(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseQuantity(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func packFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, "_test.yaml") || strings.HasSuffix(p, ".md") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func itoa(n int) string { return strconv.Itoa(n) }

var labelUnsafe = regexp.MustCompile(`[^A-Za-z0-9_]`)

// sanitizeLabel is how Prometheus turns a Kubernetes label into a meta
// label name suffix.
func sanitizeLabel(s string) string { return labelUnsafe.ReplaceAllString(s, "_") }
