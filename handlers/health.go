package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/store"
)

// probeEvery is how often /healthz may write: load balancers probe each
// instance every few seconds, several of them at once.
const probeEvery = time.Second

// probeTimeout bounds one check: an instance whose writes hang is as
// unhealthy as one whose writes fail.
const probeTimeout = 2 * time.Second

// health answers /healthz: the database reads, takes a write, and holds
// this release's schema. The write is at most once a second; its failure
// stands until a later write succeeds, so probes in between do not see a
// healthy instance that is not. One probe writes at a time; the others
// answer from what is known, and a write that has been on its way for
// longer than probeTimeout (a hung disk holds the writer, and would hold
// every probe behind it) counts as failed.
type health struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger

	writing sync.Mutex // held by the probe that writes

	mu       sync.Mutex // guards the fields below
	probed   time.Time  // when the last write was tried; zero: never
	onItsWay bool       // that write has not answered yet
	failure  string     // why the last write failed, empty when it succeeded
}

// check returns why the instance is unhealthy, or "" when it is not.
func (hl *health) check(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	// Reading the schema's version is the read (a ping would also wait for
	// SQLite's one writer connection, which a hung write holds).
	if err := hl.store.SchemaCurrent(ctx); err != nil {
		if errors.Is(err, store.ErrSchemaBehind) {
			hl.log.Error("health check: the schema is behind this release", "error", err.Error())
			return err.Error()
		}
		hl.log.Error("health check: the database cannot be read", "error", err.Error())
		return "the database cannot be read: " + describe(err)
	}
	now := hl.now()
	hl.mu.Lock()
	due := hl.probed.IsZero() || now.Sub(hl.probed) >= probeEvery
	failure, hung := hl.failure, hl.onItsWay && now.Sub(hl.probed) >= probeTimeout
	hl.mu.Unlock()
	if !due {
		return failure
	}
	if !hl.writing.TryLock() {
		if hung {
			return "the database cannot be written: " + describe(context.DeadlineExceeded)
		}
		return failure
	}
	defer hl.writing.Unlock()
	hl.mu.Lock()
	hl.probed, hl.onItsWay = now, true
	hl.mu.Unlock()
	err := hl.store.ProbeWrite(ctx)
	failure = ""
	if err != nil {
		hl.log.Error("health check: the database cannot be written", "error", err.Error())
		failure = "the database cannot be written: " + describe(err)
	}
	hl.mu.Lock()
	hl.onItsWay, hl.failure = false, failure
	hl.mu.Unlock()
	return failure
}

// describe names a database failure for the probe's body: a write that
// ran out of the probe's time, or the kind the store reads off the
// driver's error (store.Failure).
func describe(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "it did not answer within " + probeTimeout.String()
	}
	return store.Failure(err)
}

// healthz answers 200 {"status":"ok"}, or 503 with why not.
func (h *Handler) healthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if why := h.health.check(c.Request().Context()); why != "" {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": why})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
