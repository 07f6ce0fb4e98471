package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one schema step. Steps are append-only: a released step is
// never edited, a change is a new step. All pending steps run in one
// transaction together with the rows that record them, so a failure leaves
// no half-step.
type migration struct {
	version int
	name    string
	sql     string
	// run, when set, is a step SQL alone cannot take (re-sealing
	// secrets), run after sql in the same transaction.
	run func(s *Store, tx *gorm.DB) error
}

// A statement that begins with {{sqlite}} or {{postgres}} runs on that
// database only (the search index is an FTS4 table on one and an
// expression index on the other); {{id}}, {{blob}} and {{time}} are the
// column types that differ (dialect.go).
var migrations = []migration{
	{1, "workspaces, admins, help centers, admin sessions", `
CREATE TABLE workspaces (
	id {{id}},
	name TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE TABLE admins (
	id {{id}},
	workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	email TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX admins_workspace ON admins (workspace_id);
CREATE TABLE help_centers (
	id {{id}},
	workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	public_id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	subdomain TEXT NOT NULL UNIQUE,
	custom_domain TEXT NOT NULL DEFAULT '',
	visibility TEXT NOT NULL DEFAULT 'public',
	site_password_hash TEXT NOT NULL DEFAULT '',
	sso_enabled BOOLEAN NOT NULL DEFAULT FALSE,
	login_url TEXT NOT NULL DEFAULT '',
	logout_url TEXT NOT NULL DEFAULT '',
	issuer TEXT NOT NULL DEFAULT '',
	audience TEXT NOT NULL DEFAULT '',
	token_ttl INTEGER NOT NULL DEFAULT 300,
	allow_unsolicited BOOLEAN NOT NULL DEFAULT FALSE,
	jwt_secret_sealed {{blob}},
	secret_updated_at {{time}},
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE INDEX help_centers_workspace ON help_centers (workspace_id);
CREATE UNIQUE INDEX help_centers_custom_domain ON help_centers (custom_domain) WHERE custom_domain <> '';
CREATE TABLE admin_sessions (
	id_hash {{blob}} PRIMARY KEY,
	admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
	workspace_id BIGINT NOT NULL,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
CREATE TABLE login_failures (
	id {{id}},
	key TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, created_at);
`, nil},
	{2, "end users, SSO events, pending keys, used jtis, visitor sessions", `
CREATE TABLE users (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	external_id TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL,
	email_lower TEXT NOT NULL,
	name TEXT NOT NULL DEFAULT '',
	avatar_url TEXT NOT NULL DEFAULT '',
	lang TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT 'viewer',
	custom_fields TEXT NOT NULL DEFAULT '{}',
	banned BOOLEAN NOT NULL DEFAULT FALSE,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL,
	last_sign_in_at {{time}}
);
CREATE UNIQUE INDEX users_external_id ON users (help_center_id, external_id) WHERE external_id <> '';
CREATE INDEX users_email ON users (help_center_id, email_lower);
CREATE TABLE events (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	event TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	jti TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	count INTEGER NOT NULL DEFAULT 1,
	summary BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX events_time ON events (help_center_id, created_at, id);
CREATE TABLE pending_keys (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	key_hash {{blob}} NOT NULL,
	browser_hash TEXT NOT NULL,
	return_to TEXT NOT NULL DEFAULT '/',
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	used_at {{time}}
);
CREATE UNIQUE INDEX pending_keys_key ON pending_keys (help_center_id, key_hash);
CREATE INDEX pending_keys_expiry ON pending_keys (expires_at);
CREATE TABLE used_jtis (
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	jti_hash {{blob}} NOT NULL,
	surface TEXT NOT NULL,
	instance TEXT NOT NULL DEFAULT '',
	expires_at {{time}} NOT NULL,
	created_at {{time}} NOT NULL,
	PRIMARY KEY (help_center_id, jti_hash)
);
CREATE INDEX used_jtis_expiry ON used_jtis (expires_at);
CREATE TABLE visitor_sessions (
	id_hash {{blob}} PRIMARY KEY,
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	jti TEXT NOT NULL DEFAULT '',
	return_to TEXT NOT NULL DEFAULT '/',
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL
);
CREATE INDEX visitor_sessions_user ON visitor_sessions (user_id);
`, nil},
	{3, "settings audit log, provider wishes, indexes for the Logs view", `
CREATE TABLE settings_audit (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL
);
CREATE INDEX settings_audit_time ON settings_audit (help_center_id, created_at, id);
CREATE TABLE provider_wishes (
	admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
	provider TEXT NOT NULL,
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	PRIMARY KEY (admin_id, provider)
);
-- The Logs view pages newest first under one filter at a time: each of
-- these indexes turns a filtered page into one short index range walk.
CREATE INDEX events_event ON events (help_center_id, event, created_at, id);
-- count is included so the per-reason chart sums never touch the table.
CREATE INDEX events_reason ON events (help_center_id, reason, created_at, id, count);
-- Emails match case-insensitively: queries say lower(email) = lower(?).
CREATE INDEX events_email ON events (help_center_id, lower(email), created_at, id)
`, nil},
	{4, "articles and categories", `
CREATE TABLE categories (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	slug TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	position INTEGER NOT NULL DEFAULT 0,
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX categories_slug ON categories (help_center_id, slug);
CREATE TABLE articles (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	category_id BIGINT REFERENCES categories(id) ON DELETE SET NULL,
	title TEXT NOT NULL,
	slug TEXT NOT NULL,
	body TEXT NOT NULL DEFAULT '',
	body_text TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'draft',
	min_role TEXT NOT NULL DEFAULT 'viewer',
	published_at {{time}},
	created_at {{time}} NOT NULL,
	updated_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX articles_slug ON articles (help_center_id, slug);
CREATE INDEX articles_category ON articles (category_id);
{{sqlite}} CREATE VIRTUAL TABLE article_search USING fts4(title, body, languageid="help_center_id", tokenize=unicode61 "remove_diacritics=2", prefix="2,3");
{{postgres}} CREATE INDEX articles_search ON articles USING GIN ((setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, body_text), 'B')))
`, nil},
	{5, "allowed widget origins", `
CREATE TABLE widget_origins (
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	origin TEXT NOT NULL,
	position INTEGER NOT NULL,
	PRIMARY KEY (help_center_id, origin)
);
`, nil},
	{6, "revoked visitor sessions", `
CREATE TABLE revoked_sessions (
	id {{id}},
	id_hash {{blob}} NOT NULL,
	help_center_id BIGINT NOT NULL,
	expires_at {{time}} NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX revoked_sessions_expiry ON revoked_sessions (expires_at);
`, nil},
	{7, "the verification key named in each event row", `
ALTER TABLE events ADD COLUMN key_name TEXT NOT NULL DEFAULT ''
`, nil},
	{8, "custom domains verified by a DNS TXT record", `
ALTER TABLE help_centers ADD COLUMN domain_token TEXT NOT NULL DEFAULT '';
ALTER TABLE help_centers ADD COLUMN domain_verified_at {{time}};
{{sqlite}} UPDATE help_centers SET domain_token = 'helpcenter-verify-' || lower(hex(randomblob(16))) WHERE custom_domain <> '';
{{postgres}} UPDATE help_centers SET domain_token = 'helpcenter-verify-' || md5(random()::text || clock_timestamp()::text || id::text) WHERE custom_domain <> '';
DROP INDEX help_centers_custom_domain;
CREATE UNIQUE INDEX help_centers_verified_domain ON help_centers (custom_domain) WHERE custom_domain <> '' AND domain_verified_at IS NOT NULL
`, nil},
	{9, "the groups each user's latest token asserted", `
ALTER TABLE users ADD COLUMN groups TEXT NOT NULL DEFAULT '[]'
`, nil},
	{10, "report-only rollout of single sign-on", `
ALTER TABLE help_centers ADD COLUMN report_only BOOLEAN NOT NULL DEFAULT FALSE
`, nil},
	{11, "Test sign-in runs: a tester key and the report of the token that came back", `
CREATE TABLE tester_runs (
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	key_hash {{blob}} NOT NULL,
	report TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	PRIMARY KEY (help_center_id, key_hash)
);
CREATE INDEX tester_runs_expiry ON tester_runs (expires_at)
`, nil},
	{12, "verification keys: several live secrets, public keys and JWKS URLs; the key of each event row", `
CREATE TABLE sso_keys (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	kind TEXT NOT NULL,
	alg TEXT NOT NULL DEFAULT '',
	kid TEXT NOT NULL DEFAULT '',
	label TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	secret_sealed {{blob}},
	public_der {{blob}},
	jwks_url TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	last_used_at {{time}},
	retires_at {{time}},
	revoked_at {{time}}
);
CREATE INDEX sso_keys_help_center ON sso_keys (help_center_id, id);
CREATE TABLE sso_key_usage (
	key_id BIGINT NOT NULL REFERENCES sso_keys(id) ON DELETE CASCADE,
	hour {{time}} NOT NULL,
	count BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (key_id, hour)
);
ALTER TABLE events ADD COLUMN key_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX events_key ON events (help_center_id, key_id, created_at, id)
`, moveSecretsToKeys},
	{15, "provisioning modes (invite only, allowed email domains) and the session length", `
ALTER TABLE help_centers ADD COLUMN invite_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE help_centers ADD COLUMN allowed_domains TEXT NOT NULL DEFAULT '';
ALTER TABLE help_centers ADD COLUMN session_length INTEGER NOT NULL DEFAULT 43200
`, nil},
	{16, "people: admin roles, invitations, password resets, the mail queue, API keys, first sign-ins", `
ALTER TABLE admins ADD COLUMN role TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE users ADD COLUMN first_sign_in_at {{time}};
UPDATE users SET first_sign_in_at = created_at WHERE last_sign_in_at IS NOT NULL;
-- The Users page pages newest first by id and searches by email or name
-- prefix: each walk stays inside one help center's range of an index.
CREATE INDEX users_directory ON users (help_center_id, id);
CREATE INDEX users_name ON users (help_center_id, lower(name), id);
ALTER TABLE provider_wishes ADD COLUMN notified_at {{time}};
CREATE TABLE invitations (
	id {{id}},
	workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
	email TEXT NOT NULL,
	role TEXT NOT NULL,
	token_hash {{blob}} NOT NULL UNIQUE,
	invited_by TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	accepted_at {{time}},
	revoked_at {{time}}
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, id);
CREATE TABLE password_resets (
	token_hash {{blob}} PRIMARY KEY,
	admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
	created_at {{time}} NOT NULL,
	expires_at {{time}} NOT NULL,
	used_at {{time}}
);
CREATE TABLE mail_queue (
	id {{id}},
	to_addr TEXT NOT NULL,
	subject TEXT NOT NULL,
	text_body TEXT NOT NULL,
	html_body TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'queued',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{time}} NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	sent_at {{time}}
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at);
CREATE TABLE api_keys (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	label TEXT NOT NULL,
	prefix TEXT NOT NULL,
	hash {{blob}} NOT NULL UNIQUE,
	scopes TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	last_used_at {{time}},
	revoked_at {{time}}
);
CREATE INDEX api_keys_help_center ON api_keys (help_center_id, id)
`, nil},
	{17, "audiences: groups on articles and categories, a minimum role on categories", `
ALTER TABLE categories ADD COLUMN min_role TEXT NOT NULL DEFAULT 'viewer';
-- audience_groups is the item's "Only these groups" as a JSON array, ''
-- for none (the display copy, and the cheap test that skips the lookup);
-- the tables below are what the visibility rule looks groups up in.
ALTER TABLE categories ADD COLUMN audience_groups TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN audience_groups TEXT NOT NULL DEFAULT '';
CREATE TABLE article_groups (
	article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	PRIMARY KEY (article_id, name)
);
CREATE TABLE category_groups (
	category_id BIGINT NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	PRIMARY KEY (category_id, name)
);
-- The groups of the latest sign-ins, which the article form suggests.
CREATE INDEX users_recent ON users (help_center_id, last_sign_in_at)
`, nil},
	{18, "clock drift: each verified token's iat - now", `
ALTER TABLE events ADD COLUMN iat_skew DOUBLE PRECISION
`, nil},
	{19, "alert rules: rejected sign-ins over a threshold, a reason jumping after a settings change", `
CREATE TABLE alert_rules (
	help_center_id BIGINT PRIMARY KEY REFERENCES help_centers(id) ON DELETE CASCADE,
	rejections_threshold INTEGER NOT NULL DEFAULT 0,
	reason_jump BOOLEAN NOT NULL DEFAULT FALSE,
	last_rejections_at {{time}},
	last_jump_at {{time}}
)
`, nil},
	{20, "webhooks and their deliveries", `
CREATE TABLE webhooks (
	id {{id}},
	help_center_id BIGINT NOT NULL REFERENCES help_centers(id) ON DELETE CASCADE,
	url TEXT NOT NULL,
	events TEXT NOT NULL,
	secret_sealed {{blob}} NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	-- after_event_id is the last event row turned into deliveries.
	after_event_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_help_center ON webhooks (help_center_id, id);
CREATE TABLE webhook_deliveries (
	id {{id}},
	webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
	help_center_id BIGINT NOT NULL,
	event TEXT NOT NULL,
	payload TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'queued',
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{time}} NOT NULL,
	last_status INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL,
	delivered_at {{time}}
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)
`, nil},
	{21, "the id of the request behind a queued mail, an event row and its webhook deliveries", `
ALTER TABLE mail_queue ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN request_id TEXT NOT NULL DEFAULT ''
`, nil},
	{22, "two-factor: admins' TOTP secrets and recovery codes, the workspace's requirement", `
ALTER TABLE admins ADD COLUMN totp_sealed {{blob}};
ALTER TABLE admins ADD COLUMN totp_enabled_at {{time}};
ALTER TABLE admins ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE admin_recovery_codes (
	admin_id BIGINT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
	code_hash {{blob}} NOT NULL,
	used_at {{time}},
	PRIMARY KEY (admin_id, code_hash)
)
`, nil},
	{23, "where each admin session was opened", `
ALTER TABLE admin_sessions ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE admin_sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT ''
`, nil},
	{24, "the audit trail: from which IP and browser", `
ALTER TABLE settings_audit ADD COLUMN ip TEXT NOT NULL DEFAULT '';
ALTER TABLE settings_audit ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
CREATE INDEX settings_audit_page ON settings_audit (help_center_id, id)
`, nil},
	{25, "admins' sign-in through the workspace's OpenID Connect provider", `
CREATE TABLE workspace_oidc (
	workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
	issuer TEXT NOT NULL,
	client_id TEXT NOT NULL,
	client_secret_sealed {{blob}} NOT NULL,
	domain TEXT NOT NULL UNIQUE,
	create_admins BOOLEAN NOT NULL DEFAULT FALSE,
	required BOOLEAN NOT NULL DEFAULT FALSE
)
`, nil},
	{26, "the row /healthz writes to prove the database takes writes", `
CREATE TABLE health_probe (
	id INTEGER PRIMARY KEY,
	written_at {{time}} NOT NULL
)
`, nil},
	{27, "a help center's keys_version, bumped by the database on every change to its keys", `
ALTER TABLE help_centers ADD COLUMN keys_version BIGINT NOT NULL DEFAULT 0
`, keysVersionTriggers},
}

// keysVersionTriggers make the database itself bump help_centers.keys_version
// whenever one of its keys is added, deleted or changed — every column but
// last_used_at, which the usage flush writes every few seconds — so the
// keys an instance keeps in memory (handlers/web.KeyCache) are checked
// against the fresh help-center row on every sign-in, and no write path
// can forget to say it changed them. The trigger bodies hold semicolons, so
// they are not in the migration's SQL, which is split on them.
func keysVersionTriggers(s *Store, tx *gorm.DB) error {
	const columns = "help_center_id, kind, alg, kid, label, fingerprint, secret_sealed, public_der, jwks_url, created_at, retires_at, revoked_at"
	var stmts []string
	if s.d.singleWriter {
		for _, ev := range []struct{ name, on, row string }{
			{"insert", "INSERT", "NEW"}, {"delete", "DELETE", "OLD"}, {"update", "UPDATE OF " + columns, "NEW"},
		} {
			stmts = append(stmts, `CREATE TRIGGER sso_keys_version_`+ev.name+` AFTER `+ev.on+` ON sso_keys
				BEGIN UPDATE help_centers SET keys_version = keys_version + 1 WHERE id = `+ev.row+`.help_center_id; END`)
		}
	} else {
		stmts = append(stmts, `CREATE FUNCTION sso_keys_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				UPDATE help_centers SET keys_version = keys_version + 1
					WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.help_center_id ELSE NEW.help_center_id END;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER sso_keys_version AFTER INSERT OR DELETE OR UPDATE OF `+columns+` ON sso_keys
				FOR EACH ROW EXECUTE FUNCTION sso_keys_bump_version()`)
	}
	for _, stmt := range stmts {
		if err := tx.Exec(stmt).Error; err != nil {
			return err
		}
	}
	return nil
}

// Migrate applies every migration not yet recorded, in order, in one
// transaction: instances starting together on one database take turns
// (PostgreSQL's advisory lock; SQLite's one writer), and each sees the
// steps the one before it applied instead of applying them again.
func (s *Store) Migrate(ctx context.Context) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if s.d.migrationLock != "" {
			if err := tx.Exec(s.d.migrationLock).Error; err != nil {
				return fmt.Errorf("take the migration lock: %w", err)
			}
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name TEXT NOT NULL,
			applied_at ` + s.d.ddl.Replace("{{time}}") + ` NOT NULL)`).Error; err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var applied []int
		if err := tx.Raw(`SELECT version FROM schema_migrations`).Scan(&applied).Error; err != nil {
			return err
		}
		done := make(map[int]bool, len(applied))
		// In version order, whatever order the list was written in.
		steps := slices.SortedFunc(slices.Values(migrations), func(a, b migration) int { return a.version - b.version })
		latest := steps[len(steps)-1].version
		for _, v := range applied {
			done[v] = true
			if v > latest {
				return fmt.Errorf("the database is at schema version %d, newer than this release of helpcenter knows (%d): run the newer release", v, latest)
			}
		}
		for _, m := range steps {
			if done[m.version] {
				continue
			}
			if err := s.apply(tx, m); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

func (s *Store) apply(tx *gorm.DB, m migration) error {
	for _, stmt := range strings.Split(s.d.ddl.Replace(m.sql), ";") {
		stmt, ok := s.d.statement(stmt)
		if !ok {
			continue
		}
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("%w\n%s", err, stmt)
		}
	}
	if m.run != nil {
		if err := m.run(s, tx); err != nil {
			return err
		}
	}
	return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, s.now().UTC().Truncate(time.Microsecond)).Error
}

// SchemaVersion is the newest applied migration, 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	// A database never migrated has no schema_migrations table to ask.
	if !s.read(ctx).Migrator().HasTable("schema_migrations") {
		return 0, nil
	}
	var v *int
	err := s.read(ctx).Raw(`SELECT MAX(version) FROM schema_migrations`).Scan(&v).Error
	if err != nil || v == nil {
		return 0, err
	}
	return *v, nil
}
