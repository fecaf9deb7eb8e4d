package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/socwatch/socwatch/console"
	"github.com/socwatch/socwatch/console/users"
)

// consoleShortcuts are the console's flags from before it shared run's
// configuration; --rules names the pack the console shows
// (console.rules), not the one run screens with.
var consoleShortcuts = map[string]string{
	"clickhouse": "clickhouse.dsn", "listen": "console.listen", "users": "console.users", "rules": "console.rules",
	"tls-cert": "console.tls_cert", "tls-key": "console.tls_key", "proxy-user-header": "console.proxy_user_header",
	"goaml": "console.goaml", "session-ttl": "console.session_ttl", "allow-public": "console.allow_public",
}

// cmdConsole serves the analyst console, or manages its users file. It
// reads the same configuration as run (--config file, SOCWATCH_* env,
// flags), so one file configures both.
func cmdConsole(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "adduser" {
		return cmdConsoleAddUser(args[1:], stdin, stdout, stderr)
	}
	fs := newFlags("console", "console [--config FILE] [--clickhouse DSN] [--listen 127.0.0.1:8080] [--users FILE] [--rules PACK] [--goaml MAPPING] [--tls-cert F --tls-key F]\n       socwatch console adduser --users FILE --name N --role analyst|supervisor|admin", stderr)
	cfg, err := configFlags(fs, consoleShortcuts, (*Config).validateConsole)(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newLogger(stderr, cfg.LogLevel)
	if cfg.Console.MetricsAddr != "" {
		reg := newRegistry()
		cfg.Console.Metrics = reg
		// The console has no readiness of its own beyond serving.
		h, err := listenHTTP(cfg.Console.MetricsAddr, reg, func() error { return nil }, log)
		if err != nil {
			return fmt.Errorf("console metrics: %w", err)
		}
		go func() {
			if err := h.run(ctx); err != nil {
				log.Error("console metrics server", "error", err)
			}
		}()
	}
	r, err := console.Start(ctx, cfg.Console, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "SOC-Watch analyst console: %s\n", r.URL)
	return r.Wait()
}

// cmdConsoleAddUser adds or replaces a user; the password is the first
// line of stdin, so it never appears in the process list or shell history.
func cmdConsoleAddUser(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("console adduser", "console adduser --users FILE --name N --role analyst|supervisor|admin  (password on stdin)", stderr)
	path := fs.String("users", "console-users.json", "users file")
	name := fs.String("name", "", "user name")
	role := fs.String("role", users.Analyst, "analyst, supervisor or admin")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("console adduser: --name is required")
	}
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(stderr, "password: ")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	f, err := users.Load(*path)
	if err != nil {
		return err
	}
	if err := f.Set(*name, *role, password, 0); err != nil {
		return fmt.Errorf("console adduser: %w", err)
	}
	if err := f.Save(*path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s (%s) saved in %s\n", *name, *role, *path)
	return nil
}

// isTerminal reports whether f is a character device (an interactive
// terminal), to prompt only when someone is typing.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
