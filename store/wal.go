package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// SQLite's write-ahead log only shrinks when a checkpoint has copied all of
// it back into the database and no reader still needs its frames; under a
// steady stream of writes with readers always present, the passive
// checkpoint beside the writer (Checkpoint) never reaches that point and the
// file grew by tens of MB a second. walBound escalates: past half the limit
// the writer starts a passive checkpoint beside it, so most of the copying
// is done off its path; past the limit the writer — between batches, so no
// transaction is open — runs a RESTART checkpoint, which copies what is
// left and waits briefly for the readers of old snapshots, so the next
// commit writes from the start of the file again and journal_size_limit cuts
// it back to the limit. (TRUNCATE, emptying the file, measured slower: every
// commit after it extends the file anew.) SQLite's own wal_autocheckpoint,
// at twice the limit, is the floor should the escalation keep failing.

// DefaultWALLimit is the write-ahead log size past which the writer
// restarts it. At 16 MB the restarts (25–35 ms each, every write waiting)
// cost sign-ins 7–12 % of their rate; at 32 MB 6 % (bench/RESULTS.md).
const DefaultWALLimit = 32 << 20

const (
	// walReaderWait bounds how long the restarting checkpoint waits for
	// readers of old snapshots: every write waits with it.
	walReaderWait = 100 * time.Millisecond
	// walRetryAfter spaces the attempts after one that could not finish
	// (a long reader, or the passive checkpoint running at that moment).
	walRetryAfter = 50 * time.Millisecond
	// walHardWait is the wait past one and a half times the limit.
	walHardWait = time.Second
	// busyTimeout is the connections' wait for a lock (the DSN's
	// _busy_timeout), restored after the checkpoint's shorter one.
	busyTimeout = 10 * time.Second
)

type walBound struct {
	path  string // the -wal file beside the database
	limit int64
	// retryAt is real time, not the store's clock: it paces the process's
	// own work. Only the writer goroutine touches it.
	retryAt time.Time
	// spawnedAt is the log's size when the writer last started a passive
	// checkpoint.
	spawnedAt int64
	// warnedAt is when a failed restart was last logged.
	warnedAt time.Time
	// passive is set while a passive checkpoint runs: SQLite runs one
	// checkpoint at a time and answers a second with "busy".
	passive atomic.Bool
}

// floorPragmas are SQLite's own limits, set on the writer's connection.
func (b *walBound) floorPragmas() []string {
	const pageSize = 4096
	return []string{
		// A passive checkpoint inside the commit that takes the log past
		// twice the limit: only reached if the escalation fails.
		fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", 2*b.limit/pageSize),
		// Whenever the log restarts, the file is cut back to the limit.
		fmt.Sprintf("PRAGMA journal_size_limit = %d", b.limit),
	}
}

// WALSize is the size of SQLite's write-ahead log in bytes; 0 on
// PostgreSQL.
func (s *Store) WALSize() (int64, error) {
	if s.wal == nil {
		return 0, nil
	}
	fi, err := os.Stat(s.wal.path)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// boundWAL runs in the writer goroutine after a commit.
func (w *writer) boundWAL() {
	b := w.s.wal
	if b == nil {
		return
	}
	size, err := w.s.WALSize()
	if err != nil || size <= b.limit/2 {
		return
	}
	if size <= b.limit {
		// The file keeps its size when the log restarts inside it, so only
		// growth says the passive checkpoints are falling behind.
		if size > b.spawnedAt && !b.passive.Load() {
			b.spawnedAt = size
			go w.s.Checkpoint(context.Background())
		}
		return
	}
	// Past one and a half times the limit the log is falling behind for
	// good (a slow disk, a long reader): the writer waits for the passive
	// checkpoint in flight and for readers as long as it must, holding
	// every write back, rather than let the file grow.
	hard := size > b.limit*3/2
	wait := walReaderWait
	if hard {
		wait = walHardWait
		for deadline := time.Now().Add(walHardWait); b.passive.Load() && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	} else if b.passive.Load() || time.Now().Before(b.retryAt) {
		return
	}
	start := time.Now()
	busy, err := restartWAL(w.s.wdb, wait)
	if err == nil && busy {
		err = fmt.Errorf("readers still used it after %s", wait)
	}
	if err != nil {
		b.retryAt = time.Now().Add(walRetryAfter)
		// One line in ten seconds: a reader that holds on would otherwise
		// write twenty a second.
		if time.Since(b.warnedAt) < 10*time.Second {
			return
		}
		b.warnedAt = time.Now()
		w.s.log.Warn("the write-ahead log is past its limit and could not be restarted yet; trying again shortly",
			"wal_bytes", size, "limit_bytes", b.limit, "error", err.Error())
		return
	}
	b.spawnedAt = 0
	w.s.log.Debug("restarted the write-ahead log", "wal_bytes", size, "took", time.Since(start))
}

// restartWAL checkpoints the whole log and has the next commit start it
// afresh, waiting at most wait for readers. busy reports that it could not
// finish.
func restartWAL(db *sql.DB, wait time.Duration) (busy bool, err error) {
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
		return false, err
	}
	defer conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	var blocked, logFrames, done int
	if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&blocked, &logFrames, &done); err != nil {
		return false, err
	}
	return blocked != 0, nil
}
