package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
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
// healthy instance that is not.
type health struct {
	store *store.Store
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	probed  time.Time // when the last write was tried; zero: never
	failure string    // why it failed, empty when it succeeded
}

// check returns why the instance is unhealthy, or "" when it is not.
func (hl *health) check(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if err := hl.store.Ping(ctx); err != nil {
		hl.log.Error("health check: the database cannot be read", "error", err.Error())
		return "the database cannot be read: " + describe(err)
	}
	if err := hl.store.SchemaCurrent(ctx); err != nil {
		hl.log.Error("health check: schema", "error", err.Error())
		if errors.Is(err, store.ErrSchemaBehind) {
			return err.Error()
		}
		return "the database cannot be read: " + describe(err)
	}
	hl.mu.Lock()
	defer hl.mu.Unlock()
	if now := hl.now(); hl.probed.IsZero() || now.Sub(hl.probed) >= probeEvery {
		hl.probed = now
		hl.failure = ""
		if err := hl.store.ProbeWrite(ctx); err != nil {
			hl.log.Error("health check: the database cannot be written", "error", err.Error())
			hl.failure = "the database cannot be written: " + describe(err)
		}
	}
	return hl.failure
}

// describe names a database failure for the probe's body, which any
// client of any host may read: the kind of failure, never the error's own
// text (a PostgreSQL error can name internal addresses). The log has it.
func describe(err error) string {
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "it did not answer within " + probeTimeout.String()
	case strings.Contains(msg, "disk is full"), strings.Contains(msg, "no space left"), strings.Contains(msg, "could not extend file"):
		return "the disk is full"
	case strings.Contains(msg, "readonly"), strings.Contains(msg, "read-only"):
		return "it is read-only"
	case strings.Contains(msg, "disk i/o error"), strings.Contains(msg, "input/output error"):
		return "the disk refused the write (I/O error)"
	case errors.Is(err, store.ErrClosed):
		return "the server is shutting down"
	case strings.Contains(msg, "connect"), strings.Contains(msg, "connection"):
		return "the database server cannot be reached"
	default:
		return "see the server log"
	}
}

// healthz answers 200 {"status":"ok"}, or 503 with why not.
func (h *Handler) healthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	if why := h.health.check(c.Request().Context()); why != "" {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": why})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
