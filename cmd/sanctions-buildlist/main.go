// Command buildlist writes the compact sanctions list a rule pack ships
// (see sanctions.WriteCompact) from official list files:
//
//	go run ./cmd/sanctions-buildlist --ofac DIR --ofac DIR2 --un FILE --out FILE.csv.gz
//
// --ofac takes a directory in OFAC's legacy CSV layout (sdn.csv + alt.csv,
// or cons_prim.csv + cons_alt.csv), --un the UN consolidated XML, --eu the
// EU consolidated CSV, --ftm OpenSanctions FollowTheMoney JSON lines.
package main

import (
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/socwatch/socwatch/engine/sanctions"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var ofac, un, eu, ftm multi
	flag.Var(&ofac, "ofac", "OFAC legacy CSV directory (repeatable)")
	flag.Var(&un, "un", "UN consolidated XML (repeatable)")
	flag.Var(&eu, "eu", "EU consolidated CSV (repeatable)")
	flag.Var(&ftm, "ftm", "OpenSanctions FtM JSON lines (repeatable)")
	out := flag.String("out", "", "output file (.gz compresses)")
	flag.Parse()
	if err := run(ofac, un, eu, ftm, *out); err != nil {
		fmt.Fprintln(os.Stderr, "buildlist:", err)
		os.Exit(1)
	}
}

func run(ofac, un, eu, ftm []string, out string) error {
	if out == "" {
		return fmt.Errorf("--out is required")
	}
	var all []sanctions.Entity
	for _, d := range ofac {
		ents, err := sanctions.LoadOFACDir(d)
		if err != nil {
			return err
		}
		all = append(all, ents...)
	}
	load := func(paths []string, fn func(*os.File) ([]sanctions.Entity, error)) error {
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			ents, err := fn(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			all = append(all, ents...)
		}
		return nil
	}
	if err := load(un, func(f *os.File) ([]sanctions.Entity, error) { return sanctions.LoadUN(f) }); err != nil {
		return err
	}
	if err := load(eu, func(f *os.File) ([]sanctions.Entity, error) { return sanctions.LoadEU(f) }); err != nil {
		return err
	}
	if err := load(ftm, func(f *os.File) ([]sanctions.Entity, error) { return sanctions.LoadFtM(f, sanctions.ListOpenSanctions) }); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	if strings.HasSuffix(out, ".gz") {
		zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
		if err := sanctions.WriteCompact(zw, all); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
	} else if err := sanctions.WriteCompact(f, all); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "buildlist: %d entities → %s\n", len(all), out)
	return f.Close()
}
