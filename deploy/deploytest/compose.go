package deploytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Compose is the subset of the Compose specification deploy/compose uses.
// Decoding is strict: a field outside it (a typo, or a feature nobody
// checked) is an error.
type Compose struct {
	Name     string                    `yaml:"name"`
	Services map[string]ComposeService `yaml:"services"`
	Volumes  map[string]*struct{}      `yaml:"volumes"`
}

// ComposeService is one service of a compose file.
type ComposeService struct {
	Image       string               `yaml:"image"`
	Build       *ComposeBuild        `yaml:"build"`
	Entrypoint  []string             `yaml:"entrypoint"`
	Command     []string             `yaml:"command"`
	Environment map[string]string    `yaml:"environment"`
	Ports       []string             `yaml:"ports"`
	Volumes     []string             `yaml:"volumes"`
	DependsOn   map[string]DependsOn `yaml:"depends_on"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
		Retries  int      `yaml:"retries"`
	} `yaml:"healthcheck"`
	Restart string `yaml:"restart"`
	Ulimits map[string]struct {
		Soft int `yaml:"soft"`
		Hard int `yaml:"hard"`
	} `yaml:"ulimits"`
}

// ComposeBuild is a service's image build.
type ComposeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

// DependsOn is the long form of a dependency.
type DependsOn struct {
	Condition string `yaml:"condition"`
}

// DecodeCompose strictly decodes a compose file.
func DecodeCompose(r io.Reader) (*Compose, error) {
	var c Compose
	if err := decodeStrict(r, &c); err != nil {
		return nil, fmt.Errorf("decode compose file: %w", err)
	}
	return &c, nil
}

// decodeStrict decodes one YAML document, refusing unknown fields and
// trailing documents.
func decodeStrict(r io.Reader, into any) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return err
		}
		return errors.New("more than one YAML document")
	}
	return nil
}

// SplitDocuments returns the YAML documents of a multi-document stream as
// separate byte slices (re-encoded), so each can be decoded strictly by kind.
func SplitDocuments(data []byte) ([][]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out [][]byte
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", len(out)+1, err)
		}
		b, err := yaml.Marshal(&n)
		if err != nil {
			return nil, fmt.Errorf("document %d: re-encode: %w", len(out)+1, err)
		}
		out = append(out, b)
	}
}
