package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/socwatch/socwatch/bench/service"
)

// profileChunk is the length of each CPU profile fetched from socwatch run
// (service.CPUProfile); the last one runs up to this long past the phase.
const profileChunk = 2 * time.Second

// phaseProfiles are the profiles of `socwatch run` taken during one
// pipeline phase, from its first fetch to caught up.
type phaseProfiles struct {
	b       *bench
	c       *service.Child
	cpu     *service.CPUProfile // nil without --service-cpuprofile
	allocs0 *profile.Profile    // at the first fetch; nil without --service-memprofile
}

func (b *bench) startProfiles(ctx context.Context, c *service.Child) (*phaseProfiles, error) {
	p := &phaseProfiles{b: b, c: c}
	if b.o.svcMemProfile != "" {
		var err error
		if p.allocs0, err = c.Allocs(ctx); err != nil {
			return nil, err
		}
	}
	if b.o.svcCPUProfile != "" {
		p.cpu = c.StartCPUProfile(ctx, profileChunk)
	}
	return p, nil
}

// stop ends the profiles and writes them under the phase's name; with
// phase "" (the phase failed) it only ends them.
func (p *phaseProfiles) stop(ctx context.Context, phase string) error {
	if p.cpu != nil {
		prof, err := p.cpu.Stop()
		if err != nil || phase == "" {
			return err
		}
		if err := writeProfile(phaseFile(p.b.o.svcCPUProfile, phase), prof); err != nil {
			return err
		}
	}
	if p.allocs0 != nil && phase != "" {
		now, err := p.c.Allocs(ctx)
		if err != nil {
			return err
		}
		diff, err := service.AllocsSince(p.allocs0, now)
		if err != nil {
			return err
		}
		if err := writeProfile(phaseFile(p.b.o.svcMemProfile, phase), diff); err != nil {
			return err
		}
	}
	return nil
}

// phaseFile puts phase before path's extension: cpu.pprof → cpu.norekey.pprof.
func phaseFile(path, phase string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + phase + ext
}

func writeProfile(path string, p *profile.Profile) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	if err := p.Write(f); err != nil {
		f.Close()
		return fmt.Errorf("write profile %s: %w", path, err)
	}
	return f.Close()
}
