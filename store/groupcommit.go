package store

import (
	"context"
	"fmt"
)

// Group commit, on SQLite. All writes go through one connection, so under
// load sign-ins queue for it anyway; committing each on its own makes the
// queue pay one WAL write of every touched page per sign-in. The writer
// goroutine instead runs whatever has queued — up to maxBatch — in one
// transaction, each inside its own SAVEPOINT: a failing one rolls back
// alone, the others commit together. Nobody is answered before the commit
// that holds their writes, so durability is what it was.

// maxBatch bounds a batch, so a burst is not held up behind a long one.
const maxBatch = 64

// commitReq is one transaction waiting for the writer.
type commitReq struct {
	ctx  context.Context
	fn   func(q queries) error
	done chan error
}

// groupCommitLoop is the SQLite writer goroutine.
func (s *Store) groupCommitLoop(stop context.Context) {
	for {
		var first commitReq
		select {
		case <-stop.Done():
			return
		case first = <-s.commits:
		}
		batch := []commitReq{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-s.commits:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		s.runBatch(batch)
	}
}

func (s *Store) runBatch(batch []commitReq) {
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
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		finish(err)
		return
	}
	var missed []string
	q := queries{s: s, tx: tx, now: s.now, missed: &missed}
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
		q.ctx = context.WithoutCancel(r.ctx)
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
	for _, query := range missed {
		s.queries().stmt(ctx, query)
	}
	finish(nil)
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
