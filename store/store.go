// Package store is the only place that talks to the database. Every method
// takes a context and the tenant (workspace or help center) it is scoped to.
package store

import (
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

	"helpcenter/internal/secrets"
	"helpcenter/models"
)

// Options configure Open.
type Options struct {
	// Box seals shared secrets at rest. Required.
	Box *secrets.Box
	// Now is the clock; gorm's automatic timestamps use it too.
	Now func() time.Time
	// Logger receives slow-query and error logs.
	Logger *slog.Logger
	// NoGroupCommit makes each write transaction on SQLite commit on its
	// own, as on PostgreSQL. The benchmark uses it to measure the
	// one-commit-per-sign-in ceiling; the server never sets it.
	NoGroupCommit bool
}

// Store wraps the database. On SQLite, writes go through one connection
// (so transactions queue in Go instead of spinning in SQLite's busy
// handler, whose back-off produces multi-second tail latencies) and reads
// through a separate pool that WAL lets run alongside the writer.
type Store struct {
	w, r    *gorm.DB
	wdb     *sql.DB  // the writer's pool, for the sign-in path's prepared statements
	stmts   sync.Map // query → *sql.Stmt prepared on wdb
	box     *secrets.Box
	now     func() time.Time
	dialect string
	stop    context.CancelFunc
	commits chan commitReq // SQLite's group commit; nil on PostgreSQL
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Open connects to the database named by dsn: "sqlite:PATH" or a
// postgres:// URL. It does not migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Box == nil {
		return nil, errors.New("store: a secrets box is required")
	}
	if opts.Now == nil {
		return nil, errors.New("store: a clock is required")
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
	s := &Store{box: opts.Box, now: opts.Now}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s.dialect = "sqlite"
		path := strings.TrimPrefix(dsn, "sqlite:")
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database directory: %w", err)
			}
		}
		params := "_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_synchronous=NORMAL"
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
		// Checkpoints move off the commit path: the writer no longer runs
		// one when the WAL reaches 1000 pages (inside some visitor's
		// sign-in); checkpointLoop runs them beside the writer instead.
		rows, err := wdb.QueryContext(ctx, "PRAGMA wal_autocheckpoint = 0")
		if err != nil {
			return nil, err
		}
		for rows.Next() {
		}
		rows.Close()
		rdb, _ := r.DB()
		rdb.SetMaxOpenConns(8)
		rdb.SetMaxIdleConns(8)
		s.w, s.r = w, r
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.dialect = "postgres"
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
		if s.dialect == "postgres" {
			return nil, fmt.Errorf("PostgreSQL is unreachable (check HELPCENTER_DATABASE and that the server is running): %w", err)
		}
		return nil, err
	}
	if s.dialect == "sqlite" {
		var loopCtx context.Context
		loopCtx, s.stop = context.WithCancel(context.Background())
		if !opts.NoGroupCommit {
			s.commits = make(chan commitReq, maxBatch)
			go s.groupCommitLoop(loopCtx)
		}
		go s.checkpointLoop(loopCtx)
	}
	return s, nil
}

// checkpointLoop copies the WAL back into the database once a second
// (PASSIVE: it never waits for, nor blocks, the writer or readers), so the
// WAL stays small without a commit ever paying for a checkpoint.
func (s *Store) checkpointLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			// Through the raw pool, rows read to the end: a statement left
			// unfinished (as gorm's prepared-statement cache leaves a PRAGMA
			// that returns a row) would pin its connection to an old snapshot.
			rdb, err := s.r.DB()
			if err != nil {
				continue
			}
			rows, err := rdb.QueryContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			if err != nil {
				continue
			}
			for rows.Next() {
			}
			rows.Close()
		}
	}
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

// Close releases the connections.
func (s *Store) Close() error {
	if s.stop != nil {
		s.stop()
	}
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
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

// read and write pick the right pool for a query.
func (s *Store) read(ctx context.Context) *gorm.DB  { return s.r.WithContext(ctx) }
func (s *Store) write(ctx context.Context) *gorm.DB { return s.w.WithContext(ctx) }

// tx runs fn in one write transaction (BEGIN IMMEDIATE on SQLite).
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.w.WithContext(ctx).Transaction(fn)
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
