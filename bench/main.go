// Command bench measures helpcenter's hot paths on the machine at hand and
// prints them side by side with their reference ceilings (`make bench`).
// Figures are printed, never asserted: see bench/RESULTS.md for a run.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/internal/accounts"
	"helpcenter/internal/app"
	"helpcenter/internal/config"
	"helpcenter/internal/secrets"
	"helpcenter/models"
	"helpcenter/sso"
	"helpcenter/store"
)

func main() {
	database := flag.String("database", "", "database to measure (default: SQLite in a temporary directory)")
	logins := flag.Int("logins", 20000, "sign-ins per login measurement")
	pageTime := flag.Duration("pages", 5*time.Second, "duration of each page measurement")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	logRows := flag.String("logs", "1000000,10000000", "event-table sizes for the Logs view measurement (comma-separated; empty to skip)")
	walTime := flag.Duration("wal", time.Minute, "duration of each phase of the write-ahead-log measurement (0 to skip; SQLite only)")
	outsideTime := flag.Duration("outside", 30*time.Second, "duration of the outside-loader (wrk) measurement of each server, in three alternated rounds (0 to skip)")
	only := flag.String("only", "", "run one measurement alone: outside, wal or logins")
	flag.Parse()
	app.TuneGC(os.Getenv)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*database, *logins, *pageTime, *logRows, *walTime, *outsideTime, *only); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

const secret = "bench-shared-secret-0123456789abcdefghijklmnopqrstuvwxyz"

// row is one line of the results table.
type row struct{ what, result, reference, ratio, target string }

func run(database string, logins int, pageTime time.Duration, logRows string, walTime, outsideTime time.Duration, only string) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "helpcenter-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if database == "" {
		database = "sqlite:" + filepath.Join(dir, "bench.db")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	env := map[string]string{
		"HELPCENTER_BASE_URL": "http://localhost:" + port, "HELPCENTER_DATABASE": database,
		"HELPCENTER_SECRET_KEY": "bench-master-key-0123456789abcdefghijkl", "HELPCENTER_TRUSTED_PROXIES": "127.0.0.1/32",
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	keys, _ := secrets.Derive(cfg.SecretKey)
	// Request logs go nowhere: a terminal would measure itself.
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Open(ctx, app.Options{Config: cfg, Keys: keys, Log: logger, Now: time.Now})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	defer a.Stop(context.Background())
	st, acc := a.Store, a.Accounts
	_, hc, fe, err := acc.Signup(ctx, accounts.SignupInput{Email: "owner@bench.test", Password: "bench password 1", Name: "Bench", Subdomain: "bench"})
	if err != nil || fe.Any() {
		return fmt.Errorf("signup: %v %v", err, fe)
	}
	if err := st.UpdateSSOSettings(ctx, hc.WorkspaceID, hc.ID, store.SSOUpdate{Settings: models.SSOSettings{LoginURL: "https://partner.example/login", TokenTTL: 3600}, Enable: true, NewSecret: secret}); err != nil {
		return err
	}
	if err := st.SetVisibility(ctx, hc.ID, models.VisibilityPrivate, ""); err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()
	siteURL := cfg.HelpCenterURL("bench")

	var rows []row
	measureWALs := func() error {
		if walTime == 0 || st.Backend() != "sqlite" {
			return nil
		}
		wal, err := walRows(ctx, cfg, keys, logger, dir, walTime)
		rows = append(rows, wal...)
		return err
	}
	measureOutside := func() error {
		if outsideTime == 0 {
			return nil
		}
		outside, err := outsideRows(ctx, dir, outsideTime)
		rows = append(rows, outside...)
		return err
	}
	if measure, ok := map[string]func() error{"outside": measureOutside, "wal": measureWALs}[only]; ok {
		if err := measure(); err != nil {
			return err
		}
		printTable(os.Stdout, st.Backend(), rows)
		return nil
	} else if only != "" && only != "logins" {
		return fmt.Errorf("-only %q: want outside, wal or logins", only)
	}
	// 0. The outside loader first, on a quiet machine.
	if only == "" {
		if err := measureOutside(); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "preparing %d tokens…\n", 2*logins)

	// 1. The ceiling: verify + one transaction inserting the jti and
	// upserting the user, in process, 8 goroutines — with SQLite's group
	// commit, as the server runs, and with one commit per transaction.
	settings := sso.Settings{Enabled: true, Keys: []sso.Key{sso.SharedSecret(secret)}, TTL: time.Hour}
	ceiling, err := measureCeiling(ctx, st, hc.ID, settings, logins, "grouped")
	if err != nil {
		return err
	}
	ceilingSingle := 0.0
	if st.Backend() == "sqlite" {
		singleCfg := *cfg
		singleCfg.Database = "sqlite:" + filepath.Join(dir, "single.db")
		sa, err := app.Open(ctx, app.Options{Config: &singleCfg, Keys: keys, Log: logger, Now: time.Now, NoGroupCommit: true})
		if err != nil {
			return err
		}
		defer sa.Stop(context.Background())
		single := sa.Store
		_, shc, fe, err := sa.Accounts.Signup(ctx, accounts.SignupInput{Email: "owner@bench.test", Password: "bench password 1", Name: "Bench", Subdomain: "bench"})
		if err != nil || fe.Any() {
			return fmt.Errorf("signup: %v %v", err, fe)
		}
		if ceilingSingle, err = measureCeiling(ctx, single, shc.ID, settings, logins, "single"); err != nil {
			return err
		}
	}

	// 2. Full logins through /sso/jwt: verify, jti, key, user upsert,
	// session, event row, cookie; 64 connections.
	browser := "bench-browser-id-0123456789abcdefghijklmnopqrstu"
	loginTokens := make([]string, logins)
	for i := range loginTokens {
		k, err := sso.NewPendingKey(browser, "/", time.Now())
		if err != nil {
			return err
		}
		if err := st.SavePendingKey(ctx, hc.ID, k); err != nil {
			return err
		}
		loginTokens[i] = mintTokens(1, func(int) string { return k.Key })[0]
	}
	fmt.Fprintln(os.Stderr, "measuring full logins…")
	full := load(addr, 64, logins, 5*time.Minute, func(i int) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/sso/jwt?jwt="+loginTokens[i], nil)
		req.Header.Set("Cookie", "hc_bid="+browser)
		req.Header.Set("X-Forwarded-For", fakeIP(i))
		return req
	})
	rows = append(rows,
		row{"`/sso/jwt` full logins, 64 connections", fmt.Sprintf("%.0f/s, p50 %s, p99 %s, max %s%s", full.RequestsPerSecond, ms(full.P50), ms(full.P99), ms(full.Max), statusNote(full, http.StatusSeeOther)),
			fmt.Sprintf("ceiling, one commit per transaction: %.0f/s", ceilingSingle), pct(full.RequestsPerSecond, ceilingSingle), "≥ 70 %, no request > 250 ms"},
		row{"", "", fmt.Sprintf("ceiling, group commit (as served): %.0f/s", ceiling), pct(full.RequestsPerSecond, ceiling), ""})
	if only == "logins" {
		printTable(os.Stdout, st.Backend(), rows)
		return nil
	}

	// 2b. One office behind one address (SPEC section 3): 100 sign-ins in
	// a minute all get in, while a flood of bad tokens from the same
	// address is refused past the limit, with rate_limited rows.
	officeRow, err := measureOffice(ctx, addr, siteURL, st, hc.ID, browser)
	if err != nil {
		return err
	}
	rows = append(rows, officeRow)

	// 3. A signed-in help-center page next to a bare Echo "hello" on the
	// same server settings.
	cookie, err := signInWith(addr, siteURL, st, ctx, hc.ID, browser, "user0@bench.test", nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "measuring pages…")
	page := load(addr, 64, 1<<30, pageTime, func(i int) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/", nil)
		req.Header.Set("Cookie", cookie)
		return req
	})
	bare, err := bareEcho(pageTime)
	if err != nil {
		return err
	}
	rows = append(rows, row{"signed-in help-center page, 64 connections", fmt.Sprintf("%.0f/s, p50 %s, p99 %s%s", page.RequestsPerSecond, ms(page.P50), ms(page.P99), statusNote(page, http.StatusOK)),
		fmt.Sprintf("bare Echo \"hello\": %.0f/s", bare.RequestsPerSecond), pct(page.RequestsPerSecond, bare.RequestsPerSecond), "≥ 40 %"})

	// Peak RSS is read before the Logs measurement: that part opens
	// databases of millions of rows and is not the server under load.
	// The product's own figure is the binary's, under wrk (above): this
	// process also holds the loader and its prepared tokens, and at the
	// binary's GOGC of 400 their garbage grows the heap with them.
	rows = append(rows, row{"peak RSS of this process (server, load generator and its tokens, GOGC=400)", peakRSS(), "", "", "(the binary's is the target)"})

	// 3b. Audiences: the same pages over 10 000 articles, for a visitor
	// in 100 groups against one in none.
	audience, err := measureAudiences(ctx, addr, siteURL, st, hc.ID, browser, pageTime)
	if err != nil {
		return err
	}
	rows = append(rows, audience...)

	// 3c. The write-ahead log's size under sustained writes.
	if err := measureWALs(); err != nil {
		return err
	}

	fmt.Fprintln(os.Stderr, "measuring signature verification…")
	verify, err := verifyRows()
	if err != nil {
		return err
	}
	rows = append(rows, verify...)

	// 4. The Logs view's first page and a filtered page, by table size.
	for _, f := range strings.Split(logRows, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return fmt.Errorf("-logs: %v", err)
		}
		box, err := secrets.NewBox(keys.AtRest)
		if err != nil {
			return err
		}
		first, filtered, err := measureLogs(ctx, box, n)
		if err != nil {
			return err
		}
		rows = append(rows, row{fmt.Sprintf("Logs view, %s events: first page / filtered by reason", humanCount(n)),
			fmt.Sprintf("p50 %s / %s", us(first), us(filtered)), "", "", logsTarget(n)})
	}

	// 5. The Users directory over a million users.
	box, err := secrets.NewBox(keys.AtRest)
	if err != nil {
		return err
	}
	first, deep, byEmail, byName, err := measureUsers(ctx, box, 1_000_000)
	if err != nil {
		return err
	}
	rows = append(rows, row{"Users page, 1 M users: first page / deep page / email prefix / name prefix",
		fmt.Sprintf("p50 %s / %s / %s / %s", us(first), us(deep), us(byEmail), us(byName)), "", "", "p50 ≤ 1 ms"})
	printTable(os.Stdout, st.Backend(), rows)
	return nil
}

// measureOffice sends 100 sign-ins and then 200 bad tokens from one
// address and reports what got in, what was refused and what was logged.
func measureOffice(ctx context.Context, addr, siteURL string, st *store.Store, hcID int64, browser string) (row, error) {
	const office = "198.51.100.7"
	tokens := make([]string, 100)
	for i := range tokens {
		k, err := sso.NewPendingKey(browser, "/", time.Now())
		if err != nil {
			return row{}, err
		}
		if err := st.SavePendingKey(ctx, hcID, k); err != nil {
			return row{}, err
		}
		tokens[i] = mintTokens(1, func(int) string { return k.Key })[0]
	}
	fmt.Fprintln(os.Stderr, "measuring one office address…")
	request := func(token string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, siteURL+"/sso/jwt?jwt="+token, nil)
		req.Header.Set("Cookie", "hc_bid="+browser)
		req.Header.Set("X-Forwarded-For", office)
		return req
	}
	in := load(addr, 8, len(tokens), time.Minute, func(i int) *http.Request { return request(tokens[i]) })
	flood := load(addr, 8, 200, time.Minute, func(i int) *http.Request { return request("bad-token-" + strconv.Itoa(i)) })
	counts, err := st.ReasonCounts(ctx, hcID, []string{string(sso.ReasonRateLimited)}, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	if err != nil {
		return row{}, err
	}
	var limited int64
	for _, c := range counts {
		limited += c.LastWeek
	}
	return row{"one office address: 100 sign-ins, then 200 bad tokens, 8 connections",
		fmt.Sprintf("%d of 100 signed in; bad tokens: %d × 401, %d × 429; rate_limited rows count %d",
			in.StatusCounts[http.StatusSeeOther], flood.StatusCounts[http.StatusUnauthorized], flood.StatusCounts[http.StatusTooManyRequests], limited),
		"", "", "all 100 in; 429 after 30 rejections, each counted"}, nil
}

// measureCeiling runs verify + one transaction (jti, user) from 8
// goroutines, in process.
func measureCeiling(ctx context.Context, st *store.Store, hcID int64, settings sso.Settings, n int, label string) (float64, error) {
	tokens := mintTokens(n, func(i int) string { return label + "-" + strconv.Itoa(i) })
	return timed(8, n, func(i int) error {
		claims, rej := sso.Verify(tokens[i], settings, time.Now())
		if rej != nil {
			return fmt.Errorf("ceiling token refused: %s %s", rej.Reason, rej.Detail)
		}
		return st.InSignIn(ctx, func(ctx context.Context, tx *store.SignIn) error {
			if _, err := tx.RecordJTI(ctx, hcID, claims.JTI, claims.ReplayKeepUntil()); err != nil {
				return err
			}
			_, err := tx.ProvisionUser(ctx, hcID, claims.Profile(), true, time.Now())
			return err
		})
	})
}

func mintTokens(n int, jti func(int) string) []string {
	now := time.Now().Unix()
	out := make([]string, n)
	for i := range out {
		tok, err := sso.Mint(secret, map[string]any{
			"jti": jti(i), "iss": "bench", "iat": now, "exp": now + 3000,
			"email": fmt.Sprintf("user%d@bench.test", i%1000), "name": "Bench User", "external_id": strconv.Itoa(i % 1000),
		})
		if err != nil {
			panic(err)
		}
		out[i] = tok
	}
	return out
}

// bareEcho measures Echo answering "hello" on a server like ours.
func bareEcho(d time.Duration) (loadResult, error) {
	e := echo.New()
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadResult{}, err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	return load(ln.Addr().String(), 64, 1<<30, d, func(int) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		return req
	}), nil
}

func fakeIP(i int) string {
	return fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func pct(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*a/b)
}

func statusNote(r loadResult, want int) string {
	if r.Errors == 0 && r.StatusCounts[want] == r.Requests {
		return ""
	}
	return fmt.Sprintf(" (unexpected: statuses %v, %d errors)", r.StatusCounts, r.Errors)
}

// peakRSS is the process's high-water resident set (VmHWM).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	return vmHWM(b)
}

// vmHWM reads the high-water resident set out of a /proc status file.
func vmHWM(b []byte) string {
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			kb, _ := strconv.Atoi(f[1])
			return fmt.Sprintf("%.0f MB", float64(kb)/1024)
		}
	}
	return "unknown"
}

func printTable(w io.Writer, dialect string, rows []row) {
	fmt.Fprintf(w, "\nhelpcenter bench · %s · %s/%s · %d CPUs · %s · %s\n\n", time.Now().UTC().Format(time.DateTime), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), dialect)
	fmt.Fprintln(w, "| measurement | result | reference | ratio | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.what, r.result, r.reference, r.ratio, r.target)
	}
}
