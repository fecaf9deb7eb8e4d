package sanctions

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// The compact list format is what rule packs ship: one CSV row per entity,
// `list,id,type,name,aliases,dob,nationality` with aliases joined by "|",
// optionally gzip-compressed. It is built from the official files with
// `go run ./cmd/sanctions-buildlist` and keeps only what screening needs,
// so the default pack stays small enough for a Kubernetes ConfigMap.
var compactHeader = []string{"list", "id", "type", "name", "aliases", "dob", "nationality"}

// WriteCompact writes entities in the compact format (uncompressed).
func WriteCompact(w io.Writer, ents []Entity) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(compactHeader); err != nil {
		return err
	}
	for _, e := range ents {
		if err := cw.Write([]string{e.List, e.ID, e.Type, e.Name, strings.Join(e.Aliases, "|"), e.DOB, e.Nationality}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// LoadCompact reads the compact format, gzip-compressed or not.
func LoadCompact(r io.Reader) ([]Entity, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("compact list: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(compactHeader)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("compact list header: %w", err)
	}
	if strings.Join(head, ",") != strings.Join(compactHeader, ",") {
		return nil, fmt.Errorf("compact list header %q, want %q", strings.Join(head, ","), strings.Join(compactHeader, ","))
	}
	var out []Entity
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("compact list: %w", err)
		}
		if rec[3] == "" {
			line, _ := cr.FieldPos(3)
			return nil, fmt.Errorf("compact list line %d: empty name", line)
		}
		e := Entity{List: rec[0], ID: rec[1], Type: rec[2], Name: rec[3], DOB: rec[5], Nationality: rec[6]}
		if rec[4] != "" {
			e.Aliases = strings.Split(rec[4], "|")
		}
		out = append(out, e)
	}
}
