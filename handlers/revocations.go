package handlers

import (
	"context"
	"sync"
	"time"
)

// revocationSyncEvery is how stale this process's view of revoked visitor
// sessions may be: a session ended on another instance (logout, ban, a
// newer sign-in) stops working here within this time; on the instance
// that ended it, at once.
const revocationSyncEvery = time.Second

// revocationReread is how far back each sync re-reads revocations, in case
// one became visible after a later one was already seen.
const revocationReread = 10 * time.Second

// revocations is the set of visitor session ids (hashes) that must no
// longer sign anyone in, kept until the session would have expired.
type revocations struct {
	mu      sync.Mutex
	ids     map[[32]byte]time.Time // id hash → the session's expiry
	lastID  int64
	synced  time.Time
	syncing sync.Mutex
}

func newRevocations() *revocations { return &revocations{ids: map[[32]byte]time.Time{}} }

func key32(b []byte) (k [32]byte) { copy(k[:], b); return k }

// add records a revocation made by this process.
func (r *revocations) add(idHash []byte, expires time.Time) {
	r.mu.Lock()
	r.ids[key32(idHash)] = expires
	r.mu.Unlock()
}

// revoked reports whether idHash is revoked, first catching up with the
// database when the last sync is older than revocationSyncEvery. A failed
// sync fails closed: the session is treated as revoked.
func (h *Handler) revoked(ctx context.Context, idHash []byte) bool {
	r := h.revocations
	now := h.now()
	r.mu.Lock()
	stale := now.Sub(r.synced) >= revocationSyncEvery || now.Before(r.synced)
	r.mu.Unlock()
	if stale {
		if err := h.syncRevocations(ctx, now); err != nil {
			h.log.Error("sync revoked sessions", "err", err)
			return true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[key32(idHash)]
	return ok
}

// SyncRevocations brings the set of revoked sessions up to date; the
// composition root runs it every revocationSyncEvery, so requests find the
// set fresh and rarely query it themselves.
func (h *Handler) SyncRevocations(ctx context.Context) error {
	return h.syncRevocations(ctx, h.now())
}

// syncRevocations loads the revocations recorded since the last sync (one
// query a second per process, however busy) and forgets expired ones.
func (h *Handler) syncRevocations(ctx context.Context, now time.Time) error {
	r := h.revocations
	r.syncing.Lock()
	defer r.syncing.Unlock()
	r.mu.Lock()
	fresh := now.Sub(r.synced) < revocationSyncEvery && !now.Before(r.synced)
	after := r.lastID
	r.mu.Unlock()
	if fresh {
		return nil // another request synced while this one waited
	}
	rows, err := h.store.RevocationsSince(ctx, after, now.Add(-revocationReread), now)
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
