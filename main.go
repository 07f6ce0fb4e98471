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

	"helpcenter/handlers"
	"helpcenter/internal/accounts"
	"helpcenter/internal/cli"
	"helpcenter/internal/config"
	"helpcenter/internal/demo"
	"helpcenter/internal/markdown"
	"helpcenter/internal/secrets"
	"helpcenter/store"
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
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	st, err := store.Open(ctx, cfg.Database, store.Options{Sealer: box, PlainText: markdown.Text, Now: time.Now, Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "helpcenter: %v\n", err)
		return 1
	}
	acc := &accounts.Service{Store: st, Now: time.Now}

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
		return serve(ctx, cfg, keys, st, acc, logger, stdout, stderr)
	default:
		return cli.Run(ctx, cli.Env{Store: st, Accounts: acc, Config: cfg, Now: time.Now,
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

func serve(ctx context.Context, cfg *config.Config, keys secrets.Keys, st *store.Store, acc *accounts.Service,
	logger *slog.Logger, stdout, stderr io.Writer) int {
	if cfg.Demo {
		res, err := demo.Seed(ctx, st, acc, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "helpcenter: demo: %v\n", err)
			return 1
		}
		if res.Created {
			fmt.Fprintf(stdout, "\nDemo workspace created (shown once, keep it):\n  console      %s/login\n  admin        %s\n  password     %s\n  help center  %s\n\n",
				cfg.ConsoleURL(), res.AdminEmail, res.AdminPassword, res.HelpCenterURL)
		}
	}
	h := handlers.New(handlers.Deps{Config: cfg, Store: st, Accounts: acc, Keys: keys, Log: logger, Now: time.Now})
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(stderr, "http: ", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	go purgeLoop(ctx, st, cfg.EventRetention, logger)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = st.Checkpoint(ctx)
			}
		}
	}()
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

// purgeLoop deletes expired pending keys, spent jtis, expired sessions and
// events past their retention every few minutes, in small batches, so
// those tables stay the size of live traffic without blocking sign-ins.
func purgeLoop(ctx context.Context, st *store.Store, retention time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			n, err := st.Purge(ctx, now, now.Add(-retention))
			if err != nil && ctx.Err() == nil {
				logger.Error("purge expired rows", "err", err)
			} else if n > 0 {
				logger.Info("purged expired rows", "rows", n)
			}
		}
	}
}
