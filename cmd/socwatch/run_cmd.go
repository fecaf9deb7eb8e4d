package main

import (
	"fmt"
	"io"
)

func cmdRun(args []string, stdout, stderr io.Writer) error {
	return fmt.Errorf("run: not wired yet")
}

func cmdDemo(args []string, stdout, stderr io.Writer) error {
	return fmt.Errorf("demo: not wired yet")
}
