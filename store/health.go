package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// ErrSchemaBehind is SchemaCurrent's answer for a database missing some
// of this release's migrations.
var ErrSchemaBehind = errors.New("the database schema is older than this release")

// ProbeWrite writes one tiny row, through the same path as every other
// write (on SQLite, the writer's queue and a group commit), so that it fails
// exactly when the product's writes do: a full disk, a read-only file or
// database, a lost primary.
func (s *Store) ProbeWrite(ctx context.Context) error {
	return s.update(ctx, func(q queries) error {
		_, err := q.exec(`INSERT INTO health_probe (id, written_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at`, s.now().UTC())
		return err
	})
}

// SchemaCurrent reports whether the database holds every migration this
// binary knows. A newer schema counts as current: migrations only add, and
// an instance of the previous release must stay in service while a rolling
// upgrade brings up the next.
func (s *Store) SchemaCurrent(ctx context.Context) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if latest := latestVersion(); v < latest {
		return fmt.Errorf("%w (version %d, this release needs %d): run helpcenter migrate", ErrSchemaBehind, v, latest)
	}
	return nil
}

func latestVersion() int {
	return slices.MaxFunc(migrations, func(a, b migration) int { return a.version - b.version }).version
}
