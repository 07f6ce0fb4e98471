package store

import (
	"context"
	"database/sql"
	"time"
)

// The sign-in path (the /sso/jwt transaction, widget calls, revocations)
// runs its SQL through database/sql with statements prepared once per
// process and reused in every transaction. gorm re-prepares a statement
// each time it runs inside a transaction, and on SQLite's single writer
// those prepares were a third of a sign-in.

// queries run the sign-in path's statements on a transaction, or directly
// on the writer when tx is nil.
type queries struct {
	s   *Store
	tx  *sql.Tx
	now func() time.Time
	// missed collects statements a transaction had to prepare for itself:
	// the writer's one connection was busy with it. They are prepared for
	// the cache once it commits.
	missed *[]string
	// ctx, when set, replaces the context each call passes: in a group
	// commit, a caller that goes away must not interrupt SQLite, which
	// would roll back the whole batch — everybody's sign-ins with it.
	ctx context.Context
}

// callCtx is the context a statement runs under.
func (q queries) callCtx(ctx context.Context) context.Context {
	if q.ctx != nil {
		return q.ctx
	}
	return ctx
}

// queries runs statements outside any transaction, on the writer.
func (s *Store) queries() queries { return queries{s: s, now: s.now} }

// sqlTx runs fn in one write transaction: on SQLite through the group
// commit of groupcommit.go, on PostgreSQL as a transaction of its own.
// Either way fn's writes commit together or not at all, and sqlTx returns
// only once they are committed.
func (s *Store) sqlTx(ctx context.Context, fn func(q queries) error) error {
	if s.commits != nil {
		r := commitReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
		select {
		case s.commits <- r:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Once queued, wait for the outcome even if ctx ends: fn may be
		// running in the writer goroutine right now.
		return <-r.done
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var missed []string
	if err := fn(queries{s: s, tx: tx, now: s.now, missed: &missed}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, query := range missed {
		if _, err := s.queries().stmt(ctx, query); err != nil {
			return err
		}
	}
	return nil
}

// stmt returns the prepared statement for query, preparing it on first use.
func (q queries) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	ctx = q.callCtx(ctx)
	if st, ok := q.s.stmts.Load(query); ok {
		return q.bind(ctx, st.(*sql.Stmt)), nil
	}
	if q.tx != nil {
		// Preparing on the pool would wait for the connection this
		// transaction holds (SQLite's writer has one): prepare here, once.
		*q.missed = append(*q.missed, query)
		return q.tx.PrepareContext(ctx, q.s.placeholders(query))
	}
	st, err := q.s.wdb.PrepareContext(ctx, q.s.placeholders(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := q.s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		st = prev.(*sql.Stmt)
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

func (q queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(q.callCtx(ctx), args...)
}

func (q queries) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := q.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(q.callCtx(ctx), args...), nil
}
