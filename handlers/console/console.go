// Package console is the admin console on the base host: sign-up and
// sign-in, the workspace's help center settings, single sign-on and its
// tester and logs, the widget's settings, articles and categories. Every
// query is scoped to the signed-in admin's workspace and help center.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"helpcenter/handlers/session"
	"helpcenter/handlers/web"
	"helpcenter/internal/accounts"
	"helpcenter/internal/adminsso"
	"helpcenter/internal/config"
	"helpcenter/internal/domains"
	"helpcenter/internal/ratelimit"
	"helpcenter/models"
	"helpcenter/store"
)

// Store is what the console reads and writes.
type Store interface {
	web.KeyStore

	CreateAdminSession(ctx context.Context, sess *models.AdminSession) error
	AdminSession(ctx context.Context, idHash []byte, now time.Time) (*models.AdminSession, *models.Admin, error)
	DeleteAdminSession(ctx context.Context, idHash []byte) error
	ChangeAdminPassword(ctx context.Context, workspaceID, adminID int64, hash string, next *models.AdminSession) error
	HelpCenterOfWorkspace(ctx context.Context, workspaceID int64) (*models.HelpCenter, error)
	Workspace(ctx context.Context, id int64) (*models.Workspace, error)
	AdminByID(ctx context.Context, id int64) (*models.Admin, error)
	AdminByEmail(ctx context.Context, email string) (*models.Admin, error)
	WorkspaceOIDC(ctx context.Context, workspaceID int64) (*models.WorkspaceOIDC, error)
	WorkspaceOIDCByDomain(ctx context.Context, domain string) (*models.WorkspaceOIDC, error)
	SaveWorkspaceOIDC(ctx context.Context, o models.WorkspaceOIDC, secret string) error
	OIDCSecret(o *models.WorkspaceOIDC) (string, error)
	CreateAdminFromIdP(ctx context.Context, workspaceID int64, email, unusableHash string) (*models.Admin, error)
	AdminSessions(ctx context.Context, adminID int64, now time.Time) ([]models.AdminSession, error)
	EndOtherAdminSessions(ctx context.Context, workspaceID, adminID int64, keep []byte, actor string) (int64, error)
	EnableTwoFactor(ctx context.Context, workspaceID, adminID int64, secret string, step int64, recovery []string) error
	DisableTwoFactor(ctx context.Context, workspaceID, adminID int64, actor string) error
	RecoveryCodesLeft(ctx context.Context, adminID int64) (int64, error)
	SetRequireTwoFactor(ctx context.Context, workspaceID int64, on bool, actor string) error

	Team(ctx context.Context, workspaceID int64) ([]models.Admin, []models.Invitation, error)
	Admin(ctx context.Context, workspaceID, adminID int64) (*models.Admin, error)
	Invitation(ctx context.Context, workspaceID, id int64) (*models.Invitation, error)
	Invite(ctx context.Context, ni store.NewInvitation) (*models.Invitation, error)
	ResendInvitation(ctx context.Context, workspaceID, helpCenterID, id int64, token, actor string, m models.Mail) error
	RevokeInvitation(ctx context.Context, workspaceID, helpCenterID, id int64, actor string) error
	PendingInvitation(ctx context.Context, token string, now time.Time) (*models.Invitation, string, error)
	AcceptInvitation(ctx context.Context, token, passwordHash string, next *models.AdminSession) (*models.Admin, error)
	SetAdminRole(ctx context.Context, workspaceID, helpCenterID, adminID int64, role models.AdminRole, actor string) error
	RemoveAdmin(ctx context.Context, workspaceID, helpCenterID, adminID int64, actor string) error
	StartPasswordReset(ctx context.Context, email, token string, m models.Mail) (bool, error)
	PasswordResetValid(ctx context.Context, token string, now time.Time) (bool, error)
	ResetPassword(ctx context.Context, token, passwordHash string, next *models.AdminSession) (*models.Admin, error)

	Users(ctx context.Context, helpCenterID int64, f store.UserFilter, before int64, limit int) ([]models.User, error)
	User(ctx context.Context, helpCenterID, id int64) (*models.User, error)
	UserSessions(ctx context.Context, helpCenterID, userID int64, now time.Time) (int64, error)
	SignOutUser(ctx context.Context, helpCenterID, userID int64, actor string) (int, error)
	SetUserBanned(ctx context.Context, helpCenterID int64, email string, banned bool) (int64, bool, error)
	PutUser(ctx context.Context, helpCenterID int64, in store.UserInput, actor string) (*models.User, bool, error)

	APIKeys(ctx context.Context, helpCenterID int64) ([]models.APIKey, error)
	CreateAPIKey(ctx context.Context, helpCenterID int64, label, secret, prefix string, scopes []models.APIScope, actor string) (*models.APIKey, error)
	RevokeAPIKey(ctx context.Context, helpCenterID, id int64, actor string) error

	UpdateGeneral(ctx context.Context, workspaceID, helpCenterID int64, g store.GeneralSettings) error
	domains.Store

	UpdateSSOSettings(ctx context.Context, workspaceID, helpCenterID int64, u store.SSOUpdate) error
	Keys(ctx context.Context, helpCenterID int64, now time.Time) ([]models.VerificationKey, error)
	AddKey(ctx context.Context, workspaceID, helpCenterID int64, k store.NewKey) (*models.VerificationKey, error)
	RevokeKey(ctx context.Context, workspaceID, helpCenterID, keyID int64, actor string) error
	SetSSOEnabled(ctx context.Context, workspaceID, helpCenterID int64, on bool, actor string) error
	AuditLog(ctx context.Context, helpCenterID int64, limit int) ([]models.AuditEntry, error)
	AuditPage(ctx context.Context, helpCenterID int64, actor string, before int64, limit int) ([]models.AuditEntry, error)
	ProviderWishes(ctx context.Context, adminID int64) (map[string]bool, error)
	RecordProviderWish(ctx context.Context, adminID, helpCenterID int64, provider string) error
	Events(ctx context.Context, helpCenterID int64, f store.EventFilter, after *store.EventCursor, limit int) ([]models.Event, error)
	HasSignIn(ctx context.Context, helpCenterID int64) (bool, error)
	ClockDriftSince(ctx context.Context, helpCenterID int64, since time.Time) (store.ClockDrift, error)
	AlertRules(ctx context.Context, helpCenterID int64) (models.AlertRules, error)
	SaveAlertRules(ctx context.Context, helpCenterID int64, threshold int, jump bool, actor string) error
	AlertRecipients(ctx context.Context, workspaceID int64) ([]string, error)
	AddWebhook(ctx context.Context, helpCenterID int64, url string, events []string, secret, actor string) (*models.Webhook, error)
	Webhooks(ctx context.Context, helpCenterID int64) ([]models.Webhook, error)
	DeleteWebhook(ctx context.Context, helpCenterID, id int64, actor string) error
	Deliveries(ctx context.Context, helpCenterID int64, limit int) ([]models.WebhookDelivery, error)
	ResendDelivery(ctx context.Context, helpCenterID, id int64, actor string) error
	TokenUser(ctx context.Context, helpCenterID int64, externalID, email string) (*models.User, error)
	StartTesterRun(ctx context.Context, helpCenterID int64, key string) error
	TesterReport(ctx context.Context, helpCenterID int64, key string) (report string, found bool, err error)
	PendingKeyIssued(ctx context.Context, helpCenterID int64, key string, now time.Time) (bool, error)
	EachEvent(ctx context.Context, helpCenterID int64, f store.EventFilter, batch int, fn func(models.Event) error) error
	ReasonCounts(ctx context.Context, helpCenterID int64, reasons []string, dayStart, weekStart time.Time) ([]store.ReasonCount, error)
	WidgetOrigins(ctx context.Context, helpCenterID int64) ([]string, error)
	SetWidgetOrigins(ctx context.Context, workspaceID, helpCenterID int64, origins []string) error

	RecentGroups(ctx context.Context, helpCenterID int64, limit int) ([]string, error)
	InAudience(ctx context.Context, helpCenterID, id int64, v models.Viewer) (bool, error)
	VisibleCategories(ctx context.Context, helpCenterID int64, v models.Viewer) ([]models.Category, error)
	PublishedArticles(ctx context.Context, helpCenterID int64, v models.Viewer, categoryID *int64) ([]models.Article, error)
	PublishedArticleBySlug(ctx context.Context, helpCenterID int64, v models.Viewer, slug string) (*models.Article, error)
	SearchArticles(ctx context.Context, helpCenterID int64, v models.Viewer, query string, limit int) ([]models.SearchResult, error)
	Articles(ctx context.Context, helpCenterID int64) ([]models.Article, error)
	Article(ctx context.Context, helpCenterID, id int64) (*models.Article, error)
	CreateArticle(ctx context.Context, helpCenterID int64, a *models.Article) error
	UpdateArticle(ctx context.Context, helpCenterID int64, a *models.Article) error
	SetArticleStatus(ctx context.Context, helpCenterID, id int64, status models.ArticleStatus) error
	DeleteArticle(ctx context.Context, helpCenterID, id int64) error
	Categories(ctx context.Context, helpCenterID int64) ([]models.Category, error)
	Category(ctx context.Context, helpCenterID, id int64) (*models.Category, error)
	CategoryArticleCounts(ctx context.Context, helpCenterID int64) (map[int64]int, error)
	CreateCategory(ctx context.Context, helpCenterID int64, c *models.Category) error
	UpdateCategory(ctx context.Context, helpCenterID int64, c *models.Category) error
	DeleteCategory(ctx context.Context, helpCenterID, id int64) error
}

// Handler serves the console.
type Handler struct {
	Config   *config.Config
	Store    Store
	Keys     web.Keyring
	Accounts *accounts.Service
	Codec    *session.Codec
	// Resolver looks up custom domains' TXT records.
	Resolver domains.Resolver
	Cookies  web.Cookies
	Now      func() time.Time
	Log      *slog.Logger
	// Forget drops what this process cached of a help center (its host,
	// its pages) after a console change, so the next page view here reads
	// it fresh. Other processes catch up within web.PageCacheTTL.
	Forget func(*models.HelpCenter)
	// CheckJWKS fetches a JWKS URL an admin adds, to refuse one that
	// serves no usable key; nil when JWKS URLs cannot be fetched.
	CheckJWKS JWKSChecker
	// AdminSSO runs admins' sign-in through their workspace's identity
	// provider.
	AdminSSO adminsso.Flow
	// ResetLimiter bounds "Forgot your password?" mails per client IP
	// (the password limit of HELPCENTER_LIMITS).
	ResetLimiter *ratelimit.Limiter
}

// ForgetAfterWrite runs Forget after every console change (settings,
// visibility, articles, categories).
func (h *Handler) ForgetAfterWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if c.Request().Method == http.MethodPost {
			if a, ok := theAdmin.Get(c); ok {
				h.Forget(a.HelpCenter)
			}
		}
		return err
	}
}
