// Command helpcenter is the whole product in one binary: the console, the
// help centers, and the admin CLI. Run with no arguments it serves.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"helpcenter/internal/app"
	"helpcenter/internal/cli"
	"helpcenter/internal/config"
	"helpcenter/internal/demo"
	"helpcenter/internal/domains"
	"helpcenter/internal/secrets"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

const usage = `helpcenter — a help center with JWT single sign-on

Usage:
  helpcenter [serve]          run the server (the default)
  helpcenter migrate          apply database migrations and exit
` + cli.Usage + `
Configuration comes from HELPCENTER_* environment variables; see README.md.
`

// run is main with its inputs and outputs as parameters, so tests drive it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd, rest := "serve", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "serve", "migrate":
		if len(rest) > 0 {
			fmt.Fprintf(stderr, "helpcenter %s: unexpected argument %q (see helpcenter help)\n", cmd, rest[0])
			return 2
		}
	default:
		if !cli.Has(cmd) {
			fmt.Fprintf(stderr, "helpcenter: unknown command %q (see helpcenter help)\n", cmd)
			return 2
		}
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		// One line, every problem on it (SPEC section 2: errors are one line).
		fmt.Fprintf(stderr, "helpcenter: configuration error: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	keys, err := masterKeys(cfg, logger)
	if err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	a, err := app.Open(ctx, app.Options{Config: cfg, Keys: keys, Log: logger, Now: time.Now})
	if err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.Stop(stopCtx); err != nil {
			fmt.Fprintf(stderr, "helpcenter: shutdown: %v\n", err)
		}
	}()
	st, acc := a.Store, a.Accounts

	switch cmd {
	case "migrate":
		v, err := st.SchemaVersion(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "helpcenter: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "database is at schema version %d\n", v)
		return 0
	case "serve":
		app.TuneGC(getenv)
		return serve(ctx, a, logger, stdout, stderr)
	default:
		return cli.Run(ctx, cli.Env{Store: st, Accounts: acc, Config: cfg, Resolver: domains.NewResolver(cfg.DNSServer), Now: time.Now,
			Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}, cmd, rest)
	}
}

// masterKeys derives the process keys from HELPCENTER_SECRET_KEY, or from
// data/secret.key, generated on first start.
func masterKeys(cfg *config.Config, logger *slog.Logger) (secrets.Keys, error) {
	master := cfg.SecretKey
	if master == "" {
		path := filepath.Join("data", "secret.key")
		key, created, err := secrets.LoadOrCreate(path)
		if err != nil {
			return secrets.Keys{}, fmt.Errorf("master key: %w", err)
		}
		if created {
			logger.Warn("HELPCENTER_SECRET_KEY is not set: generated a master key into "+path+
				"; back it up, or the saved shared secrets and sessions cannot be read", "path", path)
		}
		master = key
	}
	return secrets.Derive(master)
}

func serve(ctx context.Context, a *app.App, logger *slog.Logger, stdout, stderr io.Writer) int {
	cfg := a.Config
	if cfg.Demo {
		res, err := demo.Seed(ctx, a.Store, a.Accounts, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "helpcenter: demo: %v\n", err)
			return 1
		}
		if res.Created {
			fmt.Fprintf(stdout, "\nDemo workspace created (shown once, keep it):\n  console      %s/login\n  admin        %s\n  password     %s\n  help center  %s\n\n",
				cfg.ConsoleURL(), res.AdminEmail, res.AdminPassword, res.HelpCenterURL)
		}
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(stderr, "http: ", 0),
	}
	if err := a.Start(ctx); err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("helpcenter is listening", "addr", cfg.Addr, "console", cfg.ConsoleURL(), "demo", cfg.Demo)

	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "helpcenter: shutdown: %v\n", err)
		return 1
	}
	return 0
}
