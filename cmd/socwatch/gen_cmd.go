package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/socwatch/socwatch/connectors/jsonl"
	"github.com/socwatch/socwatch/engine"
	"github.com/socwatch/socwatch/internal/synth"
)

func cmdGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", "gen --seed N --count N [--out FILE] [--labels FILE] [--profile realistic|classic]", stderr)
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same feed")
	count := fs.Int("count", 100000, "number of transactions")
	out := fs.String("out", "", "output file (JSON lines); default stdout")
	labels := fs.String("labels", "", "labels file (tx_id,typology,scenario of each laundering transaction); default OUT.labels.csv, and no labels file when the feed goes to stdout")
	profile := fs.String("profile", "realistic", "realistic: legitimate look-alikes of every typology and scenarios varied by seed; classic: the feed the default pack was written with")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *profile != "realistic" && *profile != "classic" {
		return fmt.Errorf("gen: --profile %q: want realistic or classic", *profile)
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("create %s: %w", *out, err)
		}
		defer f.Close()
		w = f
		if *labels == "" {
			*labels = *out + ".labels.csv"
		}
	}
	var lw *bufio.Writer
	if *labels != "" {
		f, err := os.Create(*labels)
		if err != nil {
			return fmt.Errorf("create %s: %w", *labels, err)
		}
		defer f.Close()
		lw = bufio.NewWriter(f)
		defer lw.Flush()
	}
	n, err := writeFeed(w, lw, synth.Config{Seed: *seed, Count: *count, Realistic: *profile == "realistic"})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gen: wrote %d transactions (seed %d, %s)\n", n, *seed, *profile)
	return nil
}

// writeFeed writes a generated feed as canonical JSON lines, and its labels
// as CSV when lw is not nil.
func writeFeed(w io.Writer, lw *bufio.Writer, cfg synth.Config) (int, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	g := synth.New(cfg)
	if lw != nil {
		if err := synth.WriteLabelHeader(lw); err != nil {
			return 0, fmt.Errorf("write labels: %w", err)
		}
	}
	var tx engine.Tx
	var buf []byte
	n := 0
	for {
		label, ok := g.Next(&tx)
		if !ok {
			break
		}
		buf = jsonl.Encode(buf[:0], &tx)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return n, fmt.Errorf("write feed: %w", err)
		}
		if lw != nil && label != "" {
			if err := synth.WriteLabel(lw, tx.TxID, label, g.Scenario()); err != nil {
				return n, fmt.Errorf("write labels: %w", err)
			}
		}
		n++
	}
	return n, bw.Flush()
}
