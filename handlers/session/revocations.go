package session

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"helpcenter/models"
)

// SyncEvery is how stale this process's view of revoked visitor sessions
// may be: a session ended on another instance (logout, ban, a newer
// sign-in) stops working here within this time; on the instance that
// ended it, at once.
const SyncEvery = time.Second

// syncTimeout bounds a sync a request runs itself.
const syncTimeout = 2 * time.Second

// reread is how far back each sync re-reads revocations, in case one
// became visible after a later one was already seen.
const reread = 10 * time.Second

// RevocationSource lists the revocations recorded since a point.
type RevocationSource interface {
	RevocationsSince(ctx context.Context, afterID int64, recent, now time.Time) ([]models.Revocation, error)
}

// Revocations is the set of visitor session ids (hashes) that must no
// longer sign anyone in, kept until the session would have expired. The
// composition root syncs it twice every SyncEvery, so requests find it
// fresh; one that finds it staler than SyncEvery (the job is late or
// failing) syncs it itself, failing closed if that fails.
type Revocations struct {
	src RevocationSource
	now func() time.Time
	log *slog.Logger

	mu      sync.Mutex
	ids     map[[32]byte]time.Time // id hash → the session's expiry
	lastID  int64
	synced  time.Time
	syncing sync.Mutex
}

// NewRevocations starts with an empty set, synced on first use.
func NewRevocations(src RevocationSource, now func() time.Time, log *slog.Logger) *Revocations {
	return &Revocations{src: src, now: now, log: log, ids: map[[32]byte]time.Time{}}
}

func key32(b []byte) (k [32]byte) { copy(k[:], b); return k }

// Add records a revocation made by this process.
func (r *Revocations) Add(idHash []byte, expires time.Time) {
	r.mu.Lock()
	r.ids[key32(idHash)] = expires
	r.mu.Unlock()
}

// Revoked reports whether idHash is revoked, first catching up with the
// database when the last sync is older than SyncEvery. A failed sync fails
// closed: the session is treated as revoked.
func (r *Revocations) Revoked(ctx context.Context, idHash []byte) bool {
	now := r.now()
	r.mu.Lock()
	stale := now.Sub(r.synced) >= SyncEvery || now.Before(r.synced)
	r.mu.Unlock()
	if stale {
		// Detached from the request: the sync serves every request waiting
		// for it, and one visitor going away must not fail the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), syncTimeout)
		defer cancel()
		if err := r.sync(ctx, now); err != nil {
			r.log.Error("sync revoked sessions", "err", err)
			return true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[key32(idHash)]
	return ok
}

// Sync brings the set up to date; the composition root runs it every
// SyncEvery, so requests find the set fresh and rarely query themselves.
func (r *Revocations) Sync(ctx context.Context) error { return r.sync(ctx, r.now()) }

// sync loads the revocations recorded since the last sync (one query a
// second per process, however busy) and forgets expired ones.
func (r *Revocations) sync(ctx context.Context, now time.Time) error {
	r.syncing.Lock()
	defer r.syncing.Unlock()
	r.mu.Lock()
	fresh := now.Sub(r.synced) < SyncEvery && !now.Before(r.synced)
	after := r.lastID
	r.mu.Unlock()
	if fresh {
		return nil // another caller synced while this one waited
	}
	rows, err := r.src.RevocationsSince(ctx, after, now.Add(-reread), now)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rv := range rows {
		r.ids[key32(rv.IDHash)] = rv.ExpiresAt
		r.lastID = max(r.lastID, rv.ID)
	}
	for k, exp := range r.ids {
		if !exp.After(now) {
			delete(r.ids, k)
		}
	}
	r.synced = now
	return nil
}
