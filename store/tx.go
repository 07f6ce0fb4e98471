package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
)

// Every write goes through update: one transaction entry point with the
// same semantics on both backends — fn's writes commit together or not at
// all, and update returns only once they have. On PostgreSQL each call is
// a transaction of its own. On SQLite all writes share one connection, so
// under load they queue for it anyway; committing each on its own would
// make the queue pay one WAL write of every touched page per sign-in. The
// writer goroutine instead runs whatever has queued — up to maxBatch — in
// one transaction, each call inside its own SAVEPOINT: a failing one rolls
// back alone, the others commit together. Nobody is answered before the
// commit that holds their writes, so durability is that of one commit each.

var (
	// ErrClosed is returned by writes queued or started after Close.
	ErrClosed = errors.New("store: the database is closed (the server is shutting down)")
	// ErrNestedWrite is returned by a write started inside another write's
	// transaction: on SQLite's one writer it would wait forever for the
	// transaction it is part of. Use the transaction's own methods instead.
	ErrNestedWrite = errors.New("store: a write was started inside a write transaction; use the transaction instead")
)

// maxBatch bounds a group commit, so a burst is not held up behind a long one.
const maxBatch = 64

// inTx marks a context as belonging to a write transaction.
type inTx struct{}

func (s *Store) update(ctx context.Context, fn func(q queries) error) error {
	if ctx.Value(inTx{}) != nil {
		return ErrNestedWrite
	}
	if s.writer != nil {
		return s.writer.submit(ctx, fn)
	}
	s.closing.RLock()
	if s.closed {
		s.closing.RUnlock()
		return ErrClosed
	}
	s.inflight.Add(1)
	s.closing.RUnlock()
	defer s.inflight.Done()
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var missed []string
	q := queries{s: s, tx: tx, ctx: context.WithValue(ctx, inTx{}, true), missed: &missed}
	if err := runOne(fn, q); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.prepareMissed(missed)
	return nil
}

// prepareMissed caches the statements a transaction had to prepare for
// itself. It runs after the commit, so a failure here is only logged: the
// caller's writes are durable and it must not hear otherwise.
func (s *Store) prepareMissed(missed []string) {
	for _, query := range missed {
		if _, err := (queries{s: s}).stmt(context.Background(), query); err != nil {
			s.log.Warn("a statement could not be prepared for reuse; it will be prepared again next time",
				"error", err.Error())
		}
	}
}

// runOne runs one transaction's work; a panic in it fails that one
// transaction instead of the writer goroutine and every batch after it.
func runOne(fn func(q queries) error, q queries) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a write transaction: %v", p)
		}
	}()
	return fn(q)
}

// commitReq is one transaction waiting for the writer.
type commitReq struct {
	ctx    context.Context
	fn     func(q queries) error
	done   chan error
	queued time.Time
}

// writer is SQLite's group commit.
type writer struct {
	s    *Store
	reqs chan commitReq
	// mu guards closed; submitters hold it shared while they hand over a
	// request, so once close holds it no request can still arrive.
	mu     sync.RWMutex
	closed bool
	stop   chan struct{}
	exited chan struct{}
}

func newWriter(s *Store) *writer {
	w := &writer{s: s, reqs: make(chan commitReq, maxBatch), stop: make(chan struct{}), exited: make(chan struct{})}
	go w.loop()
	return w
}

func (w *writer) submit(ctx context.Context, fn func(q queries) error) error {
	r := commitReq{ctx: ctx, fn: fn, done: make(chan error, 1), queued: time.Now()}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.reqs <- r:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: fn may be
	// running in the writer goroutine right now.
	return <-r.done
}

// close fails every request still queued with ErrClosed and waits for the
// batch in progress to finish.
func (w *writer) close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.exited
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.exited
}

func (w *writer) loop() {
	defer close(w.exited)
	for {
		// A stop takes precedence over queued work: Close fails it.
		select {
		case <-w.stop:
			w.failQueued()
			return
		default:
		}
		var first commitReq
		select {
		case <-w.stop:
			w.failQueued()
			return
		case first = <-w.reqs:
		}
		batch := []commitReq{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		w.run(batch)
	}
}

// failQueued answers what is left in the queue; no submitter can add to
// it any more (closed is set).
func (w *writer) failQueued() {
	for {
		select {
		case r := <-w.reqs:
			r.done <- ErrClosed
		default:
			return
		}
	}
}

func (w *writer) run(batch []commitReq) {
	if on := w.s.onBatch; on != nil {
		// Real time, not the store's clock: this is the process's own wait.
		now := time.Now()
		waits := make([]time.Duration, len(batch))
		for i, r := range batch {
			waits[i] = now.Sub(r.queued)
		}
		on(len(batch), waits)
	}
	ctx := context.Background()
	errs := make([]error, len(batch))
	finish := func(all error) {
		for i, r := range batch {
			if all != nil {
				r.done <- all
			} else {
				r.done <- errs[i]
			}
		}
	}
	tx, err := w.s.wdb.BeginTx(ctx, nil)
	if err != nil {
		finish(err)
		return
	}
	var missed []string
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT op"); err != nil {
			tx.Rollback()
			finish(err)
			return
		}
		// A caller that goes away must not interrupt SQLite, which would
		// roll back the whole batch — everybody's sign-ins with it.
		q := queries{s: w.s, tx: tx, ctx: context.WithValue(context.WithoutCancel(r.ctx), inTx{}, true), missed: &missed}
		if errs[i] = runOne(r.fn, q); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO op"); err != nil {
				tx.Rollback()
				finish(err)
				return
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE op"); err != nil {
			tx.Rollback()
			finish(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		finish(err)
		return
	}
	w.s.prepareMissed(missed)
	finish(nil)
	w.boundWAL()
}

// queries run statements inside one write transaction (or, with no tx, on
// the writer to prepare them). The sign-in path's SQL goes through
// database/sql with statements prepared once per process and reused in
// every transaction: gorm re-prepares a statement each time it runs inside
// a transaction, and on SQLite's single writer those prepares were a third
// of a sign-in. The console's writes use orm, gorm on the same transaction.
type queries struct {
	s   *Store
	tx  *sql.Tx
	ctx context.Context // the transaction's, marked inTx; every statement runs under it
	// missed collects statements the transaction had to prepare for
	// itself (the writer's one connection was busy with it); they are
	// prepared for the cache once it commits.
	missed *[]string
}

func (q queries) context() context.Context {
	if q.ctx == nil {
		return context.Background()
	}
	return q.ctx
}

// orm is gorm on this transaction, for the console's writes.
func (q queries) orm() *gorm.DB {
	db := q.s.w.Session(&gorm.Session{Context: q.context(), NewDB: true, SkipDefaultTransaction: true})
	db.Statement.ConnPool = q.tx
	return db
}

// stmt returns the prepared statement for query, preparing it on first use.
func (q queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := q.s.stmts.load(query); ok {
		return q.bind(ctx, st), nil
	}
	if q.tx != nil {
		// Preparing on the pool would wait for the connection this
		// transaction holds (SQLite's writer has one): prepare here, once.
		*q.missed = append(*q.missed, query)
		return q.tx.PrepareContext(ctx, q.s.d.placeholders(query))
	}
	st, err := q.s.stmts.prepare(ctx, q.s.wdb, query, q.s.d.placeholders(query))
	if err != nil {
		return nil, err
	}
	return q.bind(ctx, st), nil
}

// bind moves a statement into the transaction; on the writer's one
// connection database/sql reuses the statement prepared there.
func (q queries) bind(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	if q.tx == nil {
		return st
	}
	return q.tx.StmtContext(ctx, st)
}

func (q queries) exec(query string, args ...any) (sql.Result, error) {
	ctx := q.context()
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

func (q queries) queryRow(query string, args ...any) (*sql.Row, error) {
	ctx := q.context()
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

func (q queries) now() time.Time { return q.s.now() }

// tx is update for the console's writes, written with gorm.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.update(ctx, func(q queries) error { return fn(q.orm()) })
}

// write runs one gorm statement as a transaction of its own and returns
// how many rows it touched.
func (s *Store) write(ctx context.Context, stmt func(db *gorm.DB) *gorm.DB) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := stmt(tx)
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}
