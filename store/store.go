// Package store is the only place that talks to the database. Every method
// takes a context and the tenant (workspace or help center) it is scoped
// to; every write goes through one transaction entry point (tx.go), which
// behaves the same on SQLite and PostgreSQL.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"helpcenter/models"
)

// Sealer encrypts the values the store keeps at rest (shared JWT secrets)
// and opens them again. The additional data binds a sealed value to its
// row, so a ciphertext copied into another row does not open there. The
// composition root passes the process's key box; the store never sees a
// key.
type Sealer interface {
	Seal(plaintext, additional []byte) ([]byte, error)
	Open(sealed, additional []byte) ([]byte, error)
}

// Options configure Open.
type Options struct {
	// Sealer seals shared secrets at rest. Required.
	Sealer Sealer
	// PlainText renders an article's Markdown body to the plain text that
	// search indexes and snippets quote. Required: the store derives it on
	// every write, so the index can never disagree with the body.
	PlainText func(markdown string) string
	// Now is the clock; gorm's automatic timestamps use it too.
	Now func() time.Time
	// Logger receives what the store cannot return to a caller (a statement
	// that failed to prepare after its transaction committed).
	Logger *slog.Logger
	// NoGroupCommit makes each write transaction on SQLite commit on its
	// own, as on PostgreSQL. The benchmark uses it to measure the
	// one-commit-per-sign-in ceiling; the server never sets it.
	NoGroupCommit bool
	// OnBatch, when set, hears of each group commit on SQLite: how many
	// transactions it held and how long each waited in the queue (the
	// metrics of /metrics).
	OnBatch func(size int, waits []time.Duration)
	// OnEvent, when set, hears of each event row written (sign-ins by
	// outcome and reason, for /metrics).
	OnEvent func(event, reason string)
	// WALLimit is the size of SQLite's write-ahead log past which the
	// writer empties it (0: DefaultWALLimit).
	WALLimit int64
}

// Store wraps the database. On SQLite, writes go through one connection
// (so transactions queue in Go instead of spinning in SQLite's busy
// handler, whose back-off produces multi-second tail latencies) and reads
// through a separate pool that WAL lets run alongside the writer.
type Store struct {
	d         *dialect
	w, r      *gorm.DB
	wdb       *sql.DB   // the writer's pool, for the sign-in path's prepared statements
	stmts     stmtCache // prepared on wdb
	rstmts    stmtCache // prepared on the read pool
	sealer    Sealer
	plainText func(string) string
	now       func() time.Time
	log       *slog.Logger
	writer    *writer // SQLite's group commit; nil on PostgreSQL
	onBatch   func(size int, waits []time.Duration)
	onEvent   func(event, reason string)
	usage     keyUsage
	wal       *walBound // SQLite's write-ahead log limit; nil on PostgreSQL
	// closing guards closed; a write transaction on PostgreSQL holds it
	// shared while it starts, and inflight counts those running, so Close
	// lets them finish before it closes the pool.
	closing  sync.RWMutex
	closed   bool
	inflight sync.WaitGroup
}

// Backend names the database behind the store: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// Open connects to the database named by dsn: "sqlite:PATH" or a
// postgres:// URL. It does not migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	switch {
	case opts.Sealer == nil:
		return nil, errors.New("store: a sealer is required")
	case opts.PlainText == nil:
		return nil, errors.New("store: a plain-text renderer is required")
	case opts.Now == nil:
		return nil, errors.New("store: a clock is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := func() *gorm.Config {
		return &gorm.Config{
			NowFunc:                func() time.Time { return opts.Now().UTC() },
			Logger:                 logger.Discard,
			SkipDefaultTransaction: true,
			PrepareStmt:            true,
			TranslateError:         true,
		}
	}
	s := &Store{sealer: opts.Sealer, plainText: opts.PlainText, now: opts.Now, log: opts.Logger, onBatch: opts.OnBatch, onEvent: opts.OnEvent}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s.d = sqliteDialect
		path := strings.TrimPrefix(dsn, "sqlite:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		params := fmt.Sprintf("_journal_mode=WAL&_foreign_keys=on&_busy_timeout=%d&_synchronous=NORMAL", busyTimeout.Milliseconds())
		w, err := gorm.Open(sqlite.Open("file:"+path+"?"+params+"&_txlock=immediate"), cfg())
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		r, err := gorm.Open(sqlite.Open("file:"+path+"?"+params), cfg())
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		wdb, _ := w.DB()
		wdb.SetMaxOpenConns(1)
		wdb.SetMaxIdleConns(1)
		wdb.SetConnMaxLifetime(0)
		// Checkpoints move off the commit path: Checkpoint runs them
		// beside the writer, and the writer empties the log between
		// batches when it passes its limit (wal.go). SQLite's own
		// automatic checkpoint, inside some visitor's sign-in, is only
		// the floor.
		s.wal = &walBound{path: path + "-wal", limit: cmp.Or(opts.WALLimit, DefaultWALLimit)}
		for _, pragma := range s.wal.floorPragmas() {
			if err := drain(wdb.QueryContext(ctx, pragma)); err != nil {
				return nil, err
			}
		}
		rdb, _ := r.DB()
		rdb.SetMaxOpenConns(8)
		rdb.SetMaxIdleConns(8)
		s.w, s.r = w, r
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.d = postgresDialect
		db, err := gorm.Open(postgres.Open(dsn), cfg())
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL is unreachable (check HELPCENTER_DATABASE and that the server is running): %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		s.w, s.r = db, db
	default:
		return nil, fmt.Errorf("unsupported database %q: use sqlite:PATH or a postgres:// URL", dsn)
	}
	s.wdb, _ = s.w.DB()
	if err := s.Ping(ctx); err != nil {
		s.Close()
		if s.d == postgresDialect {
			return nil, fmt.Errorf("PostgreSQL is unreachable (check HELPCENTER_DATABASE and that the server is running): %w", err)
		}
		return nil, err
	}
	if s.d.singleWriter && !opts.NoGroupCommit {
		s.writer = newWriter(s)
	}
	return s, nil
}

// drain reads a statement's rows to the end and closes them: a statement
// left unfinished (as a PRAGMA that returns a row would be) pins its
// connection to an old snapshot.
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// Checkpoint copies SQLite's write-ahead log back into the database
// (PASSIVE: it never waits for, nor blocks, the writer or readers), so the
// copying is done beside the writer rather than inside a commit. The
// composition root runs it on a ticker and the writer starts one when the
// log passes half its limit (wal.go); one runs at a time. On PostgreSQL it
// does nothing.
func (s *Store) Checkpoint(ctx context.Context) error {
	if s.wal == nil || !s.wal.passive.CompareAndSwap(false, true) {
		return nil
	}
	defer s.wal.passive.Store(false)
	rdb, err := s.r.DB()
	if err != nil {
		return err
	}
	return drain(rdb.QueryContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"))
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range []*gorm.DB{s.w, s.r} {
		sqlDB, err := db.DB()
		if err != nil {
			return err
		}
		if err := sqlDB.PingContext(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close fails every write still queued with ErrClosed, waits for the
// writer to finish the batch it is running, and releases the connections.
// Writes started after Close fail with ErrClosed.
func (s *Store) Close() error {
	s.closing.Lock()
	s.closed = true
	s.closing.Unlock()
	if s.writer != nil {
		s.writer.close()
	}
	s.inflight.Wait()
	s.stmts.close()
	s.rstmts.close()
	var errs []error
	for _, db := range []*gorm.DB{s.w, s.r} {
		if db == nil {
			continue
		}
		if sqlDB, err := db.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
		if s.w == s.r {
			break
		}
	}
	return errors.Join(errs...)
}

// read is the pool for queries outside a transaction.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.r.WithContext(ctx) }

// readStmt is query prepared once on the read pool. The reads every sign-in
// makes (its help center and keys, fresh each time) go through it: through
// gorm they cost two to three times as much (bench/RESULTS.md).
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.rstmts.load(query); ok {
		return st, nil
	}
	rdb, err := s.r.DB()
	if err != nil {
		return nil, err
	}
	return s.rstmts.prepare(ctx, rdb, query, s.d.placeholders(query))
}

// stmtCache holds statements prepared once per process, by query.
type stmtCache struct{ m sync.Map }

func (c *stmtCache) load(query string) (*sql.Stmt, bool) {
	st, ok := c.m.Load(query)
	if !ok {
		return nil, false
	}
	return st.(*sql.Stmt), true
}

// prepare prepares text (query in the dialect's placeholders) on db and
// keeps it under query; of two racing callers, one statement is kept.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, query, text string) (*sql.Stmt, error) {
	st, err := db.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.m.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
}

// notFound maps gorm's "no row" to the domain error.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}

// isUniqueViolation recognises a unique-index collision on either backend.
func isUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) ||
		err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
