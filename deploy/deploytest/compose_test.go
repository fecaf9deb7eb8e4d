package deploytest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestComposeFile(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "deploy", "compose")
	f, err := os.Open(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := DecodeCompose(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kafka", "clickhouse", "prometheus", "grafana", "socwatch-1", "socwatch-2", "feed"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	hostPorts := map[string]string{}
	built := map[string]bool{}
	for name, s := range c.Services {
		if s.Build != nil {
			ctx := filepath.Join(dir, s.Build.Context)
			if _, err := os.Stat(filepath.Join(ctx, "go.mod")); err != nil {
				t.Errorf("service %s: build context %s is not the repository root: %v", name, s.Build.Context, err)
			}
			if _, err := os.Stat(filepath.Join(ctx, s.Build.Dockerfile)); err != nil {
				t.Errorf("service %s: dockerfile %s: %v", name, s.Build.Dockerfile, err)
			}
			built[s.Image] = true
		}
	}
	for name, s := range c.Services {
		switch {
		case s.Image == "":
			t.Errorf("service %s: no image", name)
		case !strings.Contains(s.Image, ":") || strings.HasSuffix(s.Image, ":latest"):
			t.Errorf("service %s: image %q must be pinned to a tag", name, s.Image)
		case s.Build == nil && strings.HasSuffix(s.Image, ":local") && !built[s.Image]:
			t.Errorf("service %s: image %s is built by no service", name, s.Image)
		}
		for dep := range s.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("service %s depends on unknown service %s", name, dep)
			}
		}
		for _, p := range s.Ports {
			host, _, ok := strings.Cut(p, ":")
			if !ok {
				t.Errorf("service %s: port %q: want HOST:CONTAINER", name, p)
				continue
			}
			if other, dup := hostPorts[host]; dup {
				t.Errorf("host port %s used by %s and %s", host, other, name)
			}
			hostPorts[host] = name
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if strings.HasPrefix(src, "/") {
					t.Errorf("service %s: volume %q: absolute host paths are machine-specific", name, v)
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
					t.Errorf("service %s: mounted path %s does not exist in the repo: %v", name, src, err)
				}
				continue
			}
			if _, ok := c.Volumes[src]; !ok {
				t.Errorf("service %s: named volume %s is not declared", name, src)
			}
		}
	}

	// Both instances in one consumer group, and Prometheus scrapes each.
	s1, s2 := c.Services["socwatch-1"], c.Services["socwatch-2"]
	if g := s1.Environment["SOCWATCH_KAFKA_GROUP"]; g == "" || g != s2.Environment["SOCWATCH_KAFKA_GROUP"] {
		t.Errorf("socwatch-1 and socwatch-2 groups %q and %q: want one shared group", g, s2.Environment["SOCWATCH_KAFKA_GROUP"])
	}
	prom := readPrometheusTargets(t, filepath.Join(root, "deploy", "prometheus", "prometheus.yml"))
	for _, name := range []string{"socwatch-1", "socwatch-2"} {
		_, port, _ := strings.Cut(c.Services[name].Environment["SOCWATCH_METRICS_ADDR"], ":")
		if !prom.targets[name+":"+port] {
			t.Errorf("prometheus.yml does not scrape %s:%s", name, port)
		}
		if prom.group != c.Services[name].Environment["SOCWATCH_KAFKA_GROUP"] {
			t.Errorf("prometheus.yml labels the targets group=%q, %s runs group %q", prom.group, name, c.Services[name].Environment["SOCWATCH_KAFKA_GROUP"])
		}
	}

	// Every ${VAR} of the Grafana provisioning is set for the grafana service.
	ds, err := os.ReadFile(filepath.Join(root, "deploy", "grafana", "provisioning", "datasources", "socwatch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`).FindAllStringSubmatch(string(ds), -1) {
		if _, ok := c.Services["grafana"].Environment[m[1]]; !ok {
			t.Errorf("grafana provisioning uses ${%s}, which the grafana service does not set", m[1])
		}
	}
}

type promTargets struct {
	targets map[string]bool
	group   string
}

func readPrometheusTargets(t *testing.T, path string) promTargets {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `yaml:"job_name"`
			StaticConfigs []struct {
				Targets []string          `yaml:"targets"`
				Labels  map[string]string `yaml:"labels"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	out := promTargets{targets: map[string]bool{}}
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != "socwatch" {
			continue
		}
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				out.targets[tg] = true
			}
			out.group = st.Labels["group"]
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, "deploy", "compose", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []string
	var user, lastUser string
	static := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(line, "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			stages = append(stages, line)
			user = ""
		case "USER":
			user = fields[1]
		case "RUN":
			static = static || strings.Contains(line, "CGO_ENABLED=0")
		case "COPY":
			// Sources of COPY without --from are in the build context, the repo root.
			if !strings.HasPrefix(fields[1], "--from") {
				for _, src := range fields[1 : len(fields)-1] {
					if _, err := os.Stat(filepath.Join(root, src)); err != nil {
						t.Errorf("COPY %s: %v", src, err)
					}
				}
			}
		}
		lastUser = user
	}
	if len(stages) < 2 {
		t.Errorf("want a multi-stage build, got %d stage(s)", len(stages))
	}
	if !static {
		t.Errorf("the build stage must set CGO_ENABLED=0 for a static binary")
	}
	if lastUser == "" || lastUser == "root" || lastUser == "0" || strings.HasPrefix(lastUser, "0:") {
		t.Errorf("final stage USER %q: want a non-root user", lastUser)
	}
}
