package store

import (
	"strconv"
	"strings"
)

// dialect is everything that differs between SQLite and PostgreSQL, in one
// value: the store asks it instead of comparing backend names.
type dialect struct {
	name string
	// ddl writes the few column types that differ ({{id}}, {{blob}},
	// {{time}}), so one migration statement serves both.
	ddl *strings.Replacer
	// numbered placeholders ($1, $2, …) instead of ?, for the statements
	// that bypass gorm (which rewrites its own).
	numbered bool
	// singleWriter: the database takes one writer at a time (SQLite), so
	// writes queue in Go and commit in groups (tx.go).
	singleWriter bool
	// indexHints: the planner takes INDEXED BY, and needs it where a
	// filter would otherwise make it scan a help center's whole history.
	indexHints bool
	// searchTable: articles are indexed in an FTS4 table beside them,
	// written with each article; otherwise an expression index on the
	// articles table itself serves search.
	searchTable bool
	// migrationLock is run first in the migration transaction to serialise
	// instances migrating one database at once; "" where the write
	// transaction already excludes every other writer.
	migrationLock string
	// userLock takes a transaction-scoped lock on one number, so that two
	// first sign-ins of one new user (or two verifications of one custom
	// domain) wait for each other; "" where writes are serial anyway.
	userLock string
}

var sqliteDialect = &dialect{
	name:         "sqlite",
	ddl:          strings.NewReplacer("{{id}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{blob}}", "BLOB", "{{time}}", "DATETIME"),
	singleWriter: true,
	indexHints:   true,
	searchTable:  true,
}

var postgresDialect = &dialect{
	name:     "postgres",
	ddl:      strings.NewReplacer("{{id}}", "BIGSERIAL PRIMARY KEY", "{{blob}}", "BYTEA", "{{time}}", "TIMESTAMPTZ"),
	numbered: true,
	// Held to the end of the transaction; the number is this product's own
	// (the first eight bytes of "helpcent" read as an integer).
	migrationLock: "SELECT pg_advisory_xact_lock(7522537982552010356)",
	userLock:      "SELECT pg_advisory_xact_lock(?)",
}

var dialects = []*dialect{sqliteDialect, postgresDialect}

// indexedBy is the hint that makes SQLite walk index; nothing elsewhere.
func (d *dialect) indexedBy(index string) string {
	if !d.indexHints {
		return ""
	}
	return " INDEXED BY " + index
}

// placeholders rewrites ? to $1, $2, … where the driver wants numbers.
func (d *dialect) placeholders(q string) string {
	if !d.numbered {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// statement trims one statement of a migration and says whether it runs
// here: blank statements do not, nor those marked {{sqlite}} or
// {{postgres}} for the other database.
func (d *dialect) statement(stmt string) (string, bool) {
	stmt = strings.TrimSpace(stmt)
	for _, other := range dialects {
		if rest, ok := strings.CutPrefix(stmt, "{{"+other.name+"}}"); ok {
			return strings.TrimSpace(rest), other == d
		}
	}
	return stmt, stmt != ""
}
