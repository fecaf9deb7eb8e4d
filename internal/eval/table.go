package eval

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Table prints rows as aligned columns: the first left-aligned (names),
// the others right-aligned (numbers), two spaces apart.
type Table struct {
	rows [][]string
}

// Add appends a row of cells.
func (t *Table) Add(cells ...string) { t.rows = append(t.rows, cells) }

// Addf appends a row formatted with tab-separated cells.
func (t *Table) Addf(format string, args ...any) {
	t.Add(strings.Split(fmt.Sprintf(format, args...), "\t")...)
}

// Write prints the rows.
func (t *Table) Write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case i == 0:
				b.WriteString(c + pad)
			default:
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
