package rules

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/socwatch/socwatch/engine/sanctions"
)

// ruleWith is a one-rule pack whose when is expr (a YAML literal block,
// so any text fits), and whose lists section is lists.
func ruleWith(lists, expr string) string {
	return lists + "rules:\n  - id: R-HOSTILE\n    version: 1\n    name: hostile\n    severity: low\n    score: 1\n    typology: velocity\n    when: |\n      " + expr + "\n"
}

func TestCheckExprNesting(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name, src string
		ok        bool
	}{
		{"plain rule", `amount_eur >= 15000 && debtor.country != creditor.country`, true},
		{"moderate brackets", strings.Repeat("(", 20) + "amount_eur > 1" + strings.Repeat(")", 20), true},
		{"brackets in strings and comments", `debtor.name == "((((" + '[[[[' + ` + "`{{{{`" + ` // ((((((` + "\n && true", true},
		{"binary minus chain", "amount_eur" + strings.Repeat(" - 1", 400) + " > 0", true},
		{"unary at the limit", strings.Repeat("!", DefaultMaxNesting) + "true", true},
		{"unary over the limit", strings.Repeat("!", DefaultMaxNesting+1) + "true", false},
		{"coalesce, optional member, short ternaries", `(debtor?.name ?? "") != "" && (amount_eur > 1 ? 1 : 0) + (cross_border ? 1 : 0) >= 1`, true},
		{"many short unary runs", strings.Repeat("!true && ", 500) + "true", true},
		{"1 MB of (", strings.Repeat("(", mb), false},
		{"1 M of !", strings.Repeat("!", mb) + "true", false},
		{"1 M of -", strings.Repeat("-", mb) + "1 > 0", false},
		{"1 M of [", strings.Repeat("[", mb), false},
		{"1 M of {", strings.Repeat("{", mb), false},
		{"not chain", strings.Repeat("not ", 10000) + "true", false},
		{"power chain", "1" + strings.Repeat(" ** 1", 10000) + " > 0", false},
		{"ternary chain", strings.Repeat("true ? 1 : ", 10000) + "1 > 0", false},
		{"unary into brackets", strings.Repeat("-(", 40) + "1" + strings.Repeat(")", 40) + " > 0", false},
		{"let chain", strings.Repeat("let a = 1; ", 10000) + "true", false},
	}
	lim := Limits{MaxExprBytes: 4 * mb}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := lim.checkExpr(tc.src)
			if (err == nil) != tc.ok {
				t.Fatalf("checkExpr ok=%v, want %v (err %v)", err == nil, tc.ok, err)
			}
			if err != nil && !strings.Contains(err.Error(), "nests deeper than") {
				t.Errorf("error %q does not say why", err)
			}
		})
	}
	if err := (Limits{}).checkExpr(strings.Repeat("a", DefaultMaxExprBytes+1)); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("over-long expression: %v", err)
	}
}

// TestHostileExpressionsBounded is issue 15's reproduction: a pack of 1 MB
// of nested brackets or a million unary operators used 1 GB and overflowed
// the stack. Refused now, with file:line and rule id, in bounded time and
// allocation: by the file size limit by default, by the nesting pre-scan
// when the file limit is raised.
func TestHostileExpressionsBounded(t *testing.T) {
	const n = 1 << 20
	payloads := map[string]string{
		"parens":   strings.Repeat("(", n),
		"brackets": strings.Repeat("[", n),
		"bangs":    strings.Repeat("!", n) + "true",
		"minus":    strings.Repeat("-", n) + "1 > 0",
		"braces":   strings.Repeat("{", n),
	}
	for name, p := range payloads {
		for _, lim := range []Limits{{}, {MaxRuleFileBytes: 4 * n, MaxExprBytes: 4 * n}} {
			t.Run(fmt.Sprintf("%s/file_limit_%d", name, lim.withDefaults().MaxRuleFileBytes), func(t *testing.T) {
				dir := t.TempDir()
				file := filepath.Join(dir, "hostile.yaml")
				if err := os.WriteFile(file, []byte(ruleWith("", p)), 0o644); err != nil {
					t.Fatal(err)
				}
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				start := time.Now()
				_, err := Load(dir, Options{Limits: lim})
				took := time.Since(start)
				runtime.ReadMemStats(&after)
				alloc := (after.TotalAlloc - before.TotalAlloc) >> 20
				if err == nil {
					t.Fatal("hostile pack loaded")
				}
				want := `hostile\.yaml:1: .*over the limit`
				if lim.MaxRuleFileBytes > 0 {
					want = `hostile\.yaml:9: rule R-HOSTILE: when: expression nests deeper than`
				}
				if !regexp.MustCompile(want).MatchString(err.Error()) {
					t.Errorf("error %q does not match %s", head(err.Error(), 300), want)
				}
				if took > timeScale*2*time.Second || alloc > 100 {
					t.Errorf("refusal took %s and allocated %d MiB; want < %d s and < 100 MiB", took, alloc, timeScale*2)
				}
				t.Logf("refused in %s, %d MiB allocated", took.Round(time.Millisecond), alloc)
			})
		}
	}
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// TestListFileChecks: a list must be a regular file under the pack
// directory, within the size limit; each refusal names the declaring
// file:line and the list's path, and never blocks.
func TestListFileChecks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	if err := os.WriteFile(secret, []byte("XX\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the list path to declare
		kind  string
		want  string // regexp over the error; "" means the pack loads
	}{
		{"regular file in a subdirectory", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "lists", "ok.txt"), "PL\n")
			return "lists/ok.txt"
		}, "", ""},
		{"symlink inside the pack", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "lists", "ok.txt"), "PL\n")
			symlink(t, "ok.txt", filepath.Join(dir, "lists", "alias.txt"))
			return "lists/alias.txt"
		}, "", ""},
		{"dot-dot escape", func(t *testing.T, dir string) string {
			rel, _ := filepath.Rel(dir, secret)
			return rel
		}, "", `outside the pack directory`},
		{"etc shadow", func(t *testing.T, dir string) string { return "../../../../../../etc/shadow" }, "", `outside the pack directory`},
		{"absolute path outside", func(t *testing.T, dir string) string { return secret }, "", `outside the pack directory`},
		{"device", func(t *testing.T, dir string) string { return "/dev/urandom" }, "", `outside the pack directory`},
		{"symlink to a device", func(t *testing.T, dir string) string {
			symlink(t, "/dev/urandom", filepath.Join(dir, "rand.txt"))
			return "rand.txt"
		}, "", `symlink to /dev/urandom, outside`},
		{"symlink out of the pack", func(t *testing.T, dir string) string {
			symlink(t, secret, filepath.Join(dir, "lists", "s.txt"))
			return "lists/s.txt"
		}, "", `resolves through a symlink .* outside the pack directory`},
		{"named pipe", func(t *testing.T, dir string) string {
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo.txt"), 0o644); err != nil {
				t.Fatal(err)
			}
			return "fifo.txt"
		}, "", `fifo\.txt is a named pipe`},
		{"named pipe as sanctions list", func(t *testing.T, dir string) string {
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo.csv.gz"), 0o644); err != nil {
				t.Fatal(err)
			}
			return "fifo.csv.gz"
		}, "sanctions", `fifo\.csv\.gz is a named pipe`},
		{"directory", func(t *testing.T, dir string) string { return "lists" }, "", `lists is a directory`},
		{"pack directory itself", func(t *testing.T, dir string) string { return "." }, "", `is a directory`},
		{"over the size limit", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "big.txt"), strings.Repeat("PL\n", 2000))
			return "big.txt"
		}, "", `big\.txt is 6000 bytes, over the limit of 4096`},
		{"gzip bomb", func(t *testing.T, dir string) string {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			zw.Write([]byte(strings.Repeat("x", 1<<20)))
			zw.Close()
			writeFile(t, filepath.Join(dir, "bomb.csv.gz"), b.String())
			return "bomb.csv.gz"
		}, "sanctions", `bomb\.csv\.gz: inflated: more than the limit of 4096 bytes`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "lists"), 0o755); err != nil {
				t.Fatal(err)
			}
			path := tc.setup(t, dir)
			kind := ""
			if tc.kind != "" {
				kind = ", kind: " + tc.kind
			}
			pack := fmt.Sprintf("lists:\n  risky: {file: %q%s}\n", path, kind)
			writeFile(t, filepath.Join(dir, "p.yaml"), ruleWith(pack, `debtor.country != ""`))
			start := time.Now()
			_, err := Load(dir, Options{Limits: Limits{MaxListBytes: 4096, ReadTimeout: time.Second}})
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid list refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded")
			}
			want := `p\.yaml:2: list risky: .*` + tc.want
			if !regexp.MustCompile(want).MatchString(err.Error()) {
				t.Errorf("error %q does not match %s", err, want)
			}
		})
	}
}

func TestRuleFileChecks(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "rules.yaml")
	writeFile(t, outside, ruleWith("", "true"))
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"named pipe", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `fifo\.yaml:1: .*fifo\.yaml is a named pipe`},
		{"symlink to a device", func(t *testing.T, dir string) { symlink(t, "/dev/zero", filepath.Join(dir, "zero.yaml")) }, `zero\.yaml:1: .*outside the pack directory`},
		{"symlink out of the pack", func(t *testing.T, dir string) { symlink(t, outside, filepath.Join(dir, "out.yaml")) }, `out\.yaml:1: .*outside the pack directory`},
		{"over the size limit", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "big.yaml"), ruleWith("", "true")+"#"+strings.Repeat("x", DefaultMaxRuleFileBytes))
		}, `big\.yaml:1: .*over the limit of 1048576`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "good.yaml"), ruleWith("", "true"))
			tc.setup(t, dir)
			_, err := Load(dir, Options{})
			if err == nil || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("error %v, want %s", err, tc.want)
			}
			var probs Problems
			if !errors.As(err, &probs) {
				t.Errorf("error is not Problems: %T", err)
			}
		})
	}
}

// blockingReader never returns, like a read on a hung mount.
type blockingReader struct{ stop chan struct{} }

func (b blockingReader) Read([]byte) (int, error) { <-b.stop; return 0, io.EOF }

func TestReadWithin(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	_, err := readWithin(blockingReader{stop}, 0, 100, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 200ms") {
		t.Errorf("blocking read: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("blocking read returned after %s", took)
	}
	if _, err := readWithin(strings.NewReader(strings.Repeat("x", 101)), 0, 100, time.Second); err == nil {
		t.Error("101 bytes read under a limit of 100")
	}
	if b, err := readWithin(strings.NewReader(strings.Repeat("x", 100)), 0, 100, time.Second); err != nil || len(b) != 100 {
		t.Errorf("100 bytes under a limit of 100: %d, %v", len(b), err)
	}
}

// TestMatcherCacheBounded (issue 14.6): every changed sanctions list used to
// add a matcher for good; now the cache keeps the most recent few, and an
// unchanged list is not rebuilt.
func TestMatcherCacheBounded(t *testing.T) {
	dir := t.TempDir()
	load := func(i int) *List {
		t.Helper()
		var b bytes.Buffer
		if err := sanctions.WriteCompact(&b, []sanctions.Entity{{List: "T", ID: fmt.Sprint(i), Type: "person", Name: fmt.Sprintf("Person Number%d", i)}}); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "s.csv"), b.String())
		writeFile(t, filepath.Join(dir, "p.yaml"), ruleWith("lists:\n  s: {file: s.csv, kind: sanctions}\n", `sanctions_score(debtor.name, "s") > 0.9`))
		p, err := Parse(dir)
		if err != nil {
			t.Fatal(err)
		}
		l, err := loadList(p.Lists[0], Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	first := load(0)
	for i := 1; i <= 3*maxMatchers; i++ {
		load(i)
		matchers.mu.Lock()
		n := len(matchers.entries)
		matchers.mu.Unlock()
		if n > maxMatchers {
			t.Fatalf("after %d distinct lists the cache holds %d matchers, want <= %d", i+1, n, maxMatchers)
		}
	}
	last := load(3 * maxMatchers)
	if again := load(3 * maxMatchers); again.Matcher != last.Matcher {
		t.Error("an unchanged list was rebuilt")
	}
	if again := load(0); again.Matcher == first.Matcher {
		t.Error("the first list's matcher is still cached after many newer ones")
	}
}

// TestHashFollowsContent: the pack hash changes with a list file's content
// and not with anything else.
func TestHashFollowsContent(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.yaml"), ruleWith("lists:\n  risky: {file: l.txt}\n", `in_list(debtor.country, "risky")`))
	writeFile(t, filepath.Join(dir, "l.txt"), "PL\n")
	hash := func() string {
		rs, err := Load(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return rs.Hash
	}
	h1, h2 := hash(), hash()
	writeFile(t, filepath.Join(dir, "l.txt"), "NO\n")
	h3 := hash()
	if h1 != h2 || h1 == h3 {
		t.Errorf("hashes %s %s (same content), %s (list changed)", h1, h2, h3)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestLoadCompiledSanctions: the compiled pack holds the matcher of each
// sanctions list by its name, the one sanctions_score scores with, and
// no other list.
func TestLoadCompiledSanctions(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	if err := sanctions.WriteCompact(&b, []sanctions.Entity{{List: "T", ID: "1", Type: "person", Name: "KOWALSKI, Jan"}}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "s.csv"), b.String())
	writeFile(t, filepath.Join(dir, "p.yaml"), ruleWith("lists:\n  s: {file: s.csv, kind: sanctions}\n  v: {values: [x]}\n",
		`sanctions_score(debtor.name, "s") > 0.9 || in_list(debtor.country, "v")`))
	c, err := LoadCompiled(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := c.Sanctions["s"]
	if len(c.Sanctions) != 1 || m == nil || len(c.Rules.Rules) != 1 {
		t.Fatalf("sanctions matchers %v, rules %d: want list s only, one rule", c.Sanctions, len(c.Rules.Rules))
	}
	if got := m.Best("Jan Kowalski", ""); got.EntityID != "1" || got.List != "T" {
		t.Errorf("list s's matcher: %+v, want T/1", got)
	}
}
