package rules

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// FuzzHostilePack writes a pack from fuzz input — a rule file, a list file
// and the path a list declaration names — into a directory that also holds
// a named pipe, a symlink out of the pack and a symlink to a device, and
// loads it from disk. The load must not panic, must finish in bounded
// time, and every error must name a file of the pack.
func FuzzHostilePack(f *testing.F) {
	f.Add([]byte(goodPack), "lists/l.txt", []byte("PL\nNO\n"))
	f.Add([]byte(ruleWith("", strings.Repeat("(", 5000))), "lists/l.txt", []byte(""))
	f.Add([]byte(ruleWith("", strings.Repeat("!", 5000)+"true")), "fifo", []byte(""))
	f.Add([]byte(ruleWith("", `in_list(debtor.country, "l")`)), "../../etc/passwd", []byte("x"))
	f.Add([]byte(ruleWith("", `in_list(debtor.country, "l")`)), "out", []byte("x"))
	f.Add([]byte(ruleWith("", `in_list(debtor.country, "l")`)), "dev", []byte("x"))
	f.Add([]byte(ruleWith("", `sanctions_score(debtor.name, "l") > 0.9`)), "lists/l.txt", []byte("\x1f\x8b\x08\x00"))
	f.Add([]byte("a: &a [x,x,x,x]\nb: &b [*a,*a,*a,*a]\nc: [*b,*b,*b,*b]\n"), "lists", []byte(""))
	outside := f.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("XX\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	lim := Limits{MaxRuleFileBytes: 64 << 10, MaxListBytes: 64 << 10, ReadTimeout: time.Second}
	f.Fuzz(func(t *testing.T, rule []byte, listPath string, list []byte) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "lists"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
			t.Fatal(err)
		}
		symlink(t, filepath.Join(outside, "secret"), filepath.Join(dir, "out"))
		symlink(t, "/dev/zero", filepath.Join(dir, "dev"))
		writeFile(t, filepath.Join(dir, "lists", "l.txt"), string(list))
		kind := "values"
		if strings.Contains(string(rule), "sanctions_score") {
			kind = "sanctions"
		}
		decl := "lists:\n  l: {file: " + yamlQuote(listPath) + ", kind: " + kind + "}\n"
		writeFile(t, filepath.Join(dir, "a.yaml"), string(rule))
		writeFile(t, filepath.Join(dir, "b.yaml"), decl)
		start := time.Now()
		_, err := Load(dir, Options{Limits: lim})
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("load took %s", took)
		}
		if err != nil && !strings.Contains(err.Error(), ".yaml") {
			t.Fatalf("error names no pack file: %v", err)
		}
	})
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0xfffd:
			b.WriteString("\\x20")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
