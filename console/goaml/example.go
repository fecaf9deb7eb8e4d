package goaml

import (
	_ "embed"
	"fmt"
)

//go:embed example-mapping.yaml
var exampleMapping []byte

// ExampleYAML returns the shipped example mapping file's text.
func ExampleYAML() []byte { return append([]byte(nil), exampleMapping...) }

// Example returns the shipped example mapping (generic 5.0.1 code lists),
// for the demo and as a template.
func Example() *Mapping {
	m, err := ParseMapping(exampleMapping)
	if err != nil {
		panic(fmt.Sprintf("goaml: shipped example mapping is invalid: %v", err)) // a build defect, caught by TestExampleValidates
	}
	return m
}
