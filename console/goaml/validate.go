package goaml

import (
	"bytes"
	"fmt"
	"os/exec"
)

// Validate checks the report file at path against an XSD with xmllint
// (Debian's libxml2-utils), returning xmllint's complaints on failure.
func Validate(xsd, path string) error {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		return fmt.Errorf("xmllint not installed (apt-get install libxml2-utils): %w", err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "--noout", "--schema", xsd, path)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("xmllint --schema %s %s: %w\n%s", xsd, path, err, out.String())
	}
	return nil
}
