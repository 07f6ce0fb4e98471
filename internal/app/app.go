// Package app is the composition root: the one place that builds the
// store, the services and the HTTP handler from the configuration, and
// owns the background jobs. main, the test harness and the benchmark all
// start the product through it, so none of them can wire it differently.
package app

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"helpcenter/handlers"
	"helpcenter/internal/accounts"
	"helpcenter/internal/alerts"
	"helpcenter/internal/config"
	"helpcenter/internal/domains"
	"helpcenter/internal/jwks"
	"helpcenter/internal/mail"
	"helpcenter/internal/markdown"
	"helpcenter/internal/metrics"
	"helpcenter/internal/safehttp"
	"helpcenter/internal/secrets"
	"helpcenter/internal/webhooks"
	"helpcenter/models"
	"helpcenter/store"
)

// Intervals say how often each background job runs. Tests pass their own.
type Intervals struct {
	// Purge deletes expired pending keys, spent jtis, expired sessions and
	// events past their retention, in small batches.
	Purge time.Duration
	// Checkpoint copies SQLite's write-ahead log back into the database
	// beside the writer, so commits never pay for it.
	Checkpoint time.Duration
	// RevocationSync brings this process's set of ended visitor sessions up
	// to date, so a request finds it fresh instead of querying itself.
	RevocationSync time.Duration
	// KeyUsage writes the verification keys' counts of verified
	// signatures (the Keys page's last use and 24-hour count); between
	// writes they are kept in memory, and Stop writes what is left.
	KeyUsage time.Duration
	// Mail sends what the mail queue holds that is due.
	Mail time.Duration
	// Alerts evaluates the help centers' alert rules.
	Alerts time.Duration
	// Webhooks turns new events into deliveries and posts the due ones.
	Webhooks time.Duration
}

// DefaultIntervals are the server's.
// RevocationSync runs twice within session.SyncEvery (one second, the
// documented window), so a request rarely finds the set stale and queries
// itself.
var DefaultIntervals = Intervals{Purge: 5 * time.Minute, Checkpoint: time.Second, RevocationSync: 500 * time.Millisecond, KeyUsage: 10 * time.Second, Mail: 2 * time.Second, Alerts: time.Minute, Webhooks: 2 * time.Second}

// Options configure Open.
type Options struct {
	Config *config.Config
	Keys   secrets.Keys
	Log    *slog.Logger
	Now    func() time.Time
	// Intervals of the background jobs; the zero value means DefaultIntervals.
	Intervals Intervals
	// NoGroupCommit: see store.Options (the benchmark's one-commit ceiling).
	NoGroupCommit bool
	// WALLimit: see store.Options (the benchmark's run without it).
	WALLimit int64
	// SMTPRoots verifies the SMTP server's certificate instead of the
	// system's roots: tests trust their in-process server with it.
	SMTPRoots *x509.CertPool
	// PasswordCost of new password hashes; the zero value is
	// accounts.DefaultCost. Only tests lower it.
	PasswordCost accounts.Cost
}

// App is the product, built and migrated.
type App struct {
	Config   *config.Config
	Store    *store.Store
	Accounts *accounts.Service
	Handler  *handlers.Handler

	log       *slog.Logger
	now       func() time.Time
	intervals Intervals
	mail      *mail.Queue
	alerts    *alerts.Runner
	webhooks  *webhooks.Worker

	mu      sync.Mutex
	cancel  context.CancelFunc
	running sync.WaitGroup
}

// Open builds the product on the configured database and migrates it.
// Background jobs run only once Start is called: a CLI command needs the
// store, not a purge.
func Open(ctx context.Context, o Options) (*App, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Intervals == (Intervals{}) {
		o.Intervals = DefaultIntervals
	}
	box, err := secrets.NewBox(o.Keys.AtRest)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	st, err := store.Open(ctx, o.Config.Database, store.Options{
		Sealer: box, PlainText: markdown.Text, Now: o.Now, Logger: o.Log, NoGroupCommit: o.NoGroupCommit, WALLimit: o.WALLimit,
		OnBatch: m.Batch, OnEvent: m.SignIn,
	})
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	acc := &accounts.Service{Store: st, Now: o.Now, Cost: o.PasswordCost}
	// Outbound fetches of URLs admins typed go through the SSRF rules;
	// loopback only in development.
	fetcher := safehttp.New(safehttp.Options{AllowLoopback: o.Config.Development()})
	keysets := jwks.New(jwks.Options{Fetcher: fetcher, Now: o.Now, Log: o.Log})
	checkJWKS := func(ctx context.Context, rawURL string) (int, error) {
		if err := safehttp.ValidateURL(rawURL, o.Config.Development()); err != nil {
			return 0, err
		}
		keys, _, err := jwks.Fetch(ctx, fetcher, 0, "JWKS", rawURL)
		if err != nil {
			return 0, fmt.Errorf("the JWKS URL cannot be used: %w", err)
		}
		return len(keys), nil
	}
	h := handlers.New(handlers.Deps{Config: o.Config, Store: st, SignIns: signIns{st}, Accounts: acc,
		Resolver: domains.NewResolver(o.Config.DNSServer), JWKS: keysets, CheckJWKS: checkJWKS,
		Keys: o.Keys, Log: o.Log, Now: o.Now, Metrics: m.Handler(o.Config.MetricsToken), ObserveRequest: m.Request, OutboundHTTP: fetcher.HTTP()})
	m.QueueDepth("mail", st.MailQueueDepth)
	m.QueueDepth("webhooks", st.DeliveryQueueDepth)
	if st.Backend() == "sqlite" {
		m.WALSize(st.WALSize)
	}
	var sender mail.Sender = mail.Log{Log: o.Log}
	if o.Config.SMTP != nil {
		sender = mail.SMTP{URL: o.Config.SMTP, Roots: o.SMTPRoots}
	}
	queue := &mail.Queue{Store: st, Sender: sender, From: o.Config.MailFrom, Now: o.Now, Log: o.Log}
	return &App{Config: o.Config, Store: st, Accounts: acc, Handler: h, log: o.Log, now: o.Now, intervals: o.Intervals, mail: queue,
		alerts:   &alerts.Runner{Store: st, Now: o.Now, ConsoleURL: o.Config.ConsoleURL(), Log: o.Log},
		webhooks: &webhooks.Worker{Store: st, Poster: safehttp.New(safehttp.Options{AllowLoopback: o.Config.Development(), Timeout: webhooks.Timeout}), Now: o.Now, Log: o.Log},
	}, nil
}

// Start runs the background jobs until Stop. Calling it twice is an error.
func (a *App) Start(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		return errors.New("app: already started")
	}
	ctx, a.cancel = context.WithCancel(ctx)
	retention := a.Config.EventRetention
	a.every(ctx, a.intervals.Purge, "purge expired rows", func(ctx context.Context) error {
		now := a.now()
		n, err := a.Store.Purge(ctx, now, now.Add(-retention))
		if n > 0 {
			a.log.Info("purged expired rows", "rows", n)
		}
		return err
	})
	a.every(ctx, a.intervals.Checkpoint, "checkpoint the write-ahead log", a.Store.Checkpoint)
	a.every(ctx, a.intervals.RevocationSync, "sync revoked sessions", a.Handler.SyncRevocations)
	a.every(ctx, a.intervals.KeyUsage, "write the keys' usage counts", a.Store.FlushKeyUsage)
	a.every(ctx, a.intervals.Mail, "send queued mail", a.mail.Drain)
	a.every(ctx, a.intervals.Alerts, "check alert rules", a.alerts.Check)
	a.every(ctx, a.intervals.Webhooks, "deliver webhooks", a.webhooks.Run)
	a.every(ctx, a.intervals.Purge, "tell admins a provider shipped", func(ctx context.Context) error {
		return a.NotifyShipped(ctx, models.ShippedProviders)
	})
	return nil
}

// NotifyShipped mails every admin who asked "Notify me when this ships"
// about one of providers, once.
func (a *App) NotifyShipped(ctx context.Context, providers []string) error {
	link := a.Config.ConsoleURL() + "/settings/security/sso"
	for _, p := range providers {
		name := models.ProviderNames[p]
		n, err := a.Store.NotifyProviderShipped(ctx, p, func(email string) models.Mail { return mail.ProviderShipped(email, name, link) })
		if err != nil {
			return err
		}
		if n > 0 {
			a.log.Info("told admins a provider shipped", "provider", p, "admins", n)
		}
	}
	return nil
}

// every runs job each interval until ctx ends. A failure is logged and the
// job runs again next time: none of them is worth stopping the server for.
func (a *App) every(ctx context.Context, interval time.Duration, what string, job func(context.Context) error) {
	a.running.Add(1)
	go func() {
		defer a.running.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := job(ctx); err != nil && ctx.Err() == nil {
					a.log.Error(what, "err", err)
				}
			}
		}
	}()
}

// Stop ends the background jobs, waits for them (at most until ctx ends),
// then closes the store: queued writes fail with store.ErrClosed and the
// writer finishes the batch it is running.
func (a *App) Stop(ctx context.Context) error {
	a.mu.Lock()
	if a.cancel != nil {
		a.cancel()
	}
	a.mu.Unlock()
	done := make(chan struct{})
	go func() { a.running.Wait(); close(done) }()
	var errs []error
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("background jobs still running at shutdown: %w", ctx.Err()))
	}
	flush, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.Store.FlushKeyUsage(flush); err != nil {
		errs = append(errs, fmt.Errorf("write the keys' usage counts: %w", err))
	}
	errs = append(errs, a.Store.Close())
	return errors.Join(errs...)
}
