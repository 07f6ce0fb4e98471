package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"helpcenter/internal/accounts"
	"helpcenter/internal/app"
	"helpcenter/internal/config"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

// walServer is one server on its own SQLite database, whose write-ahead
// log is sampled every 2 ms while load runs against it.
type walServer struct {
	app           *app.App
	srv           *http.Server
	addr, siteURL string
	largest       atomic.Int64
}

// unbounded is a WAL limit no run reaches: the store as it was before
// the limit, with SQLite's automatic checkpoint effectively off.
const unbounded = 1 << 50

func startWALServer(ctx context.Context, base *config.Config, keys secrets.Keys, logger *slog.Logger, dir string, limit int64) (*walServer, error) {
	cfg := *base
	cfg.Database = "sqlite:" + filepath.Join(dir, fmt.Sprintf("wal-%d.db", limit))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a, err := app.Open(ctx, app.Options{Config: &cfg, Keys: keys, Log: logger, Now: time.Now, WALLimit: limit})
	if err != nil {
		return nil, err
	}
	w := &walServer{app: a, addr: ln.Addr().String(), siteURL: cfg.HelpCenterURL("bench")}
	if err := a.Start(ctx); err != nil {
		return nil, err
	}
	_, hc, fe, err := a.Accounts.Signup(ctx, accounts.SignupInput{Email: "owner@bench.test", Password: "bench password 1", Name: "Bench", Subdomain: "bench"})
	if err != nil || fe.Any() {
		return nil, fmt.Errorf("signup: %v %v", err, fe)
	}
	// Unsolicited sign-ins need no pending key per token, so the loader
	// can mint as it goes instead of preparing hundreds of thousands.
	if err := a.Store.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: "https://partner.example/login", TokenTTL: 3600, AllowUnsolicited: true}, Enable: true, NewSecret: secret}); err != nil {
		return nil, err
	}
	if err := a.Store.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		return nil, err
	}
	w.srv = &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go w.srv.Serve(ln)
	return w, nil
}

func (w *walServer) stop() {
	w.srv.Close()
	w.app.Stop(context.Background())
}

// drive runs load for d and samples the log meanwhile.
func (w *walServer) drive(d time.Duration, next func(siteURL string, i int) *http.Request) loadResult {
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if n, err := w.app.Store.WALSize(); err == nil && n > w.largest.Load() {
				w.largest.Store(n)
			}
		}
	}()
	r := load(w.addr, 64, 1<<30, d, func(i int) *http.Request { return next(w.siteURL, i) })
	close(done)
	<-sampled
	return r
}

// walPhase is one kind of load against both servers, in alternating
// rounds so that the machine's drift hits both alike.
type walPhase struct {
	rate    [2]float64 // requests a second, over each server's rounds
	largest [2]int64
	max     [2]time.Duration
	note    [2]string
}

func alternate(servers [2]*walServer, d time.Duration, want int, next func(siteURL string, i int) *http.Request) walPhase {
	const rounds = 4
	var p walPhase
	var n [2]int
	var took [2]time.Duration
	var offset atomic.Int64
	for range rounds {
		for k, w := range servers {
			base := int(offset.Add(1 << 24))
			r := w.drive(d/rounds, func(siteURL string, i int) *http.Request { return next(siteURL, base+i) })
			n[k] += r.Requests
			took[k] += r.Duration
			p.max[k] = max(p.max[k], r.Max)
			if note := statusNote(r, want); note != "" {
				p.note[k] = note
			}
		}
	}
	for k, w := range servers {
		p.rate[k] = float64(n[k]) / took[k].Seconds()
		p.largest[k] = w.largest.Swap(0)
	}
	return p
}

// walRows drives d of bad tokens and then d of sign-ins, each as fast as
// the server answers on 64 connections, at a server with the product's
// limit on the write-ahead log and one without, and prints the largest
// log each had.
func walRows(ctx context.Context, cfg *config.Config, keys secrets.Keys, logger *slog.Logger, dir string, d time.Duration) ([]row, error) {
	fmt.Fprintf(os.Stderr, "measuring the write-ahead log, %s a phase, with and without its limit…\n", d)
	var servers [2]*walServer
	for k, limit := range []int64{0, unbounded} {
		w, err := startWALServer(ctx, cfg, keys, logger, dir, limit)
		if err != nil {
			return nil, err
		}
		defer w.stop()
		servers[k] = w
	}
	bad := alternate(servers, d, http.StatusUnauthorized, func(siteURL string, i int) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/sso/jwt?jwt=bad-token-"+strconv.Itoa(i), nil)
		req.Header.Set("X-Forwarded-For", fakeIP(i))
		return req
	})
	now := time.Now().Unix()
	signIns := alternate(servers, d, http.StatusSeeOther, func(siteURL string, i int) *http.Request {
		tok, err := sso.Mint(secret, map[string]any{
			"jti": "wal-" + strconv.Itoa(i), "iss": "bench", "iat": now, "exp": now + 3000,
			"email": fmt.Sprintf("user%d@bench.test", i%1000), "name": "Bench User", "external_id": strconv.Itoa(i % 1000),
		})
		if err != nil {
			panic(err)
		}
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/sso/jwt?jwt="+tok, nil)
		req.Header.Set("X-Forwarded-For", fakeIP(i))
		return req
	})
	secs := strconv.Itoa(int(d.Seconds()))
	line := func(what, unit string, p walPhase, target string) row {
		return row{what + ", " + secs + " s, 64 connections",
			fmt.Sprintf("%s (%.0f %s/s, max %s%s)", mb(p.largest[0]), p.rate[0], unit, ms(p.max[0]), p.note[0]),
			fmt.Sprintf("without the limit: %s (%.0f/s, max %s%s)", mb(p.largest[1]), p.rate[1], ms(p.max[1]), p.note[1]),
			pct(p.rate[0], p.rate[1]), target}
	}
	return []row{
		line("largest write-ahead log, bad tokens", "rejections", bad, "< 64 MB"),
		line("largest write-ahead log, sign-ins", "sign-ins", signIns, "< 64 MB, rate ≥ 90 %"),
	}, nil
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
