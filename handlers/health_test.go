package handlers_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"helpcenter/internal/testapp"
)

// /healthz turns 503, saying why, once the database stops taking writes —
// on SQLite the disk refuses them (the process's file-size limit, set to
// one byte, fails every write as a full disk does); on PostgreSQL the
// probe's table is locked — and stays 503 until a later write succeeds.
func TestHealthzTurnsUnavailableWhileWritesFail(t *testing.T) {
	app := testapp.New(t)
	c := app.Client(t)
	probe := healthz(t, app, c)
	if code, body := probe(); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("healthy: %d %s", code, body)
	}

	var restore func()
	var want string
	switch app.Store.Backend() {
	case "sqlite":
		var old syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 1, Max: old.Max}); err != nil {
			t.Fatal(err)
		}
		restore = func() { syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) }
		want = `{"status":"the database cannot be written: the disk refused the write (I/O error)"}`
	default:
		db, err := sql.Open("pgx", app.Config.Database)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		tx, err := db.BeginTx(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec("LOCK TABLE health_probe IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		restore = func() { tx.Rollback() }
		want = `{"status":"the database cannot be written: it did not answer within 2s"}`
	}
	defer func() {
		if restore != nil {
			restore()
		}
	}()

	// Within a second of the last write nothing is written again: the
	// instance is still taken as healthy.
	if code, _ := probe(); code != 200 {
		t.Fatalf("a probe within the second wrote again: %d", code)
	}
	app.Clock.Advance(time.Second)
	if code, body := probe(); code != 503 || body != want {
		t.Fatalf("writes failing: %d %s, want 503 %s", code, body, want)
	}
	restore()
	restore = nil
	// The failure stands until a write succeeds, a second later.
	if code, body := probe(); code != 503 || body != want {
		t.Fatalf("failure forgotten before a write succeeded: %d %s", code, body)
	}
	app.Clock.Advance(time.Second)
	if code, body := probe(); code != 200 || body != `{"status":"ok"}` {
		t.Fatalf("writes succeed again: %d %s", code, body)
	}
	// And the product writes again, without a restart: a sign-up goes
	// through.
	app.Signup(t, "after@disk.test", "after disk password", "After", "after")
}

// A write that hangs (another process holds the database's write lock)
// holds one probe; the probes after it do not wait in line behind it but
// answer 503 once it has been on its way for the probe's two seconds, and
// the instance is healthy again once the write goes through.
func TestHealthzCallsAHungWriteAFailure(t *testing.T) {
	app := testapp.New(t)
	c := app.Client(t)
	probe := healthz(t, app, c)
	if code, _ := probe(); code != 200 {
		t.Fatalf("healthy: %d", code)
	}
	release := holdWriteLock(t, app)
	defer release()
	app.Clock.Advance(time.Second)
	first := make(chan int, 1)
	go func() { first <- c.Get(app.BaseURL + "/healthz").StatusCode }()
	// Let the first probe reach its write (milliseconds; a second of margin).
	time.Sleep(time.Second)
	app.Clock.Advance(3 * time.Second)
	want := `{"status":"the database cannot be written: it did not answer within 2s"}`
	if code, body := probe(); code != 503 || body != want {
		t.Fatalf("while the write hangs: %d %s, want 503 %s", code, body, want)
	}
	release()
	select {
	case <-first:
	case <-time.After(15 * time.Second):
		t.Fatal("the hung probe never answered")
	}
	app.Clock.Advance(time.Second)
	if code, body := probe(); code != 200 {
		t.Fatalf("after the lock is released: %d %s", code, body)
	}
}

// holdWriteLock takes the database's write lock from another connection,
// as another process would, until release is called.
func holdWriteLock(t *testing.T, app *testapp.App) (release func()) {
	t.Helper()
	driver, dsn, lock := "pgx", app.Config.Database, "LOCK TABLE health_probe IN ACCESS EXCLUSIVE MODE"
	if app.Store.Backend() == "sqlite" {
		driver, dsn, lock = "sqlite3", "file:"+strings.TrimPrefix(app.Config.Database, "sqlite:"), "BEGIN EXCLUSIVE"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if driver == "pgx" {
		if _, err := conn.ExecContext(context.Background(), "BEGIN"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(context.Background(), lock); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
}

// healthz asks /healthz with c and returns its status and body.
func healthz(t *testing.T, app *testapp.App, c *testapp.Client) func() (int, string) {
	return func() (int, string) {
		t.Helper()
		res := c.Get(app.BaseURL + "/healthz")
		return res.StatusCode, strings.TrimSpace(res.Body)
	}
}
