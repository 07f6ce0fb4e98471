package demo

import (
	"context"

	"helpcenter/models"
	"helpcenter/store"
)

// demoCategory is a category of the demo help center with its articles.
type demoCategory struct {
	name, description string
	articles          []demoArticle
}

type demoArticle struct {
	title, body string
	audience    models.Role
	groups      []string
	status      models.ArticleStatus
}

// seedContent fills the demo help center with the articles a newcomer
// reads first, one per audience and a draft, so role filtering shows.
func seedContent(ctx context.Context, st *store.Store, helpCenterID int64) error {
	for _, dc := range demoContent {
		cat := &models.Category{Name: dc.name, Description: dc.description}
		if err := st.CreateCategory(ctx, helpCenterID, cat); err != nil {
			return err
		}
		for _, da := range dc.articles {
			a := &models.Article{
				CategoryID: &cat.ID, Title: da.title, Body: da.body,
				MinRole: models.RoleViewer, Status: models.StatusPublished,
			}
			if da.audience != "" {
				a.MinRole = da.audience
			}
			if da.status != "" {
				a.Status = da.status
			}
			a.AudienceGroups = models.GroupsJSON(da.groups)
			if err := st.CreateArticle(ctx, helpCenterID, a); err != nil {
				return err
			}
		}
	}
	return nil
}

var demoContent = []demoCategory{
	{
		name:        "Getting started",
		description: "Your first steps with Acme: signing in, your workspace and your team.",
		articles: []demoArticle{
			{title: "Welcome to Acme", body: `Acme keeps your team's projects, files and conversations in one place. This guide takes five minutes.

## 1. Sign in

Open Acme from the link your company sent you and sign in with your work account. You will land on your **Home** page, which lists the projects you belong to.

## 2. Create your first project

1. Click **New project** in the top right corner.
2. Give it a name your team will recognise, such as *Website relaunch*.
3. Choose who can see it: only invited members, or everyone in your company.

## 3. Invite your team

Projects are better together. Open **Settings → Members** and invite colleagues by email; see [Invite your teammates](/articles/invite-your-teammates).

> Tip: press <kbd>?</kbd> anywhere in Acme to see every keyboard shortcut.
`},
			{title: "Sign in to this help center", body: `This help center uses your Acme account, so there is no second password to remember.

When you open a page here, we send you to the Acme sign-in page. Once you are signed in to Acme, you come straight back to the page you asked for, signed in. The name at the top of each page shows who you are signed in as.

## Signed in but seeing fewer articles than a colleague?

Some articles are written for editors or administrators only. What you see depends on the role your company gives you in Acme. Ask your Acme administrator if you need more access.

## Signing out

Click **Sign out** at the top of any page. You are signed out of the help center; your Acme session is not affected.

Having trouble? The [SSO troubleshooting](/articles/sso-troubleshooting-what-each-sign-in-error-means) guide explains every sign-in error.
`},
			{title: "What's new in the beta", groups: []string{"beta"}, body: `Hi {{user.name}}, thanks for trying the Acme beta. This article is shown to members of the **beta** group only: your app puts ` + "`\"groups\": [\"beta\"]`" + ` in the token.

- **Boards**: drag projects between columns.
- **Quick notes**: press N anywhere.

{{#if group "enterprise"}}
Your workspace is on **Enterprise**: the audit export is on for you, {{user.email}}.
{{else}}
The audit export comes with Enterprise: ask your admin.
{{/if}}`},
			{title: "Invite your teammates", body: `Anyone with the **Admin** or **Editor** role can invite people to your workspace.

1. Go to **Settings → Members**.
2. Click **Invite people** and enter one or more email addresses, separated by commas.
3. Pick a role for them:

| Role | Can read | Can edit projects | Can manage members and billing |
|---|---|---|---|
| Viewer | yes | no | no |
| Editor | yes | yes | no |
| Admin | yes | yes | yes |

4. Click **Send invitations**.

Invitations are valid for 7 days. If a colleague cannot find the email, ask them to check their spam folder, then use **Resend** next to their name.
`},
			{title: "Style guide for help articles", audience: models.RoleEditor, body: `*For editors.* Every article in this help center follows the same few rules, so readers always know what to expect.

- **Title as a task**: "Invite your teammates", not "Invitations".
- **Start with the answer.** The first sentence says what the reader can do and where.
- **Numbered steps** for anything done in order; one action per step.
- **Bold** the exact names of buttons and menus, as they appear on screen.
- Keep paragraphs short: three sentences at most.
- Link to related articles instead of repeating them.

Before publishing, read the article aloud once. If you stumble, the reader will too.
`},
		},
	},
	{
		name:        "Account & billing",
		description: "Plans, invoices, and the details of your account.",
		articles: []demoArticle{
			{title: "Update your billing details", audience: models.RoleAdmin, body: `*For administrators.* Only workspace admins can change billing details.

1. Open **Settings → Billing**.
2. Under **Payment method**, click **Update card** and enter the new card. We check it with a small authorisation that is released at once.
3. Under **Billing address**, fill in your company's legal name and VAT number if you have one; they appear on every invoice from then on.

Invoices are emailed to the billing contact on the first day of each month. Past invoices can be downloaded as PDF from **Settings → Billing → Invoices**.
`},
			{title: "Change your name or email address", body: `Your name and email come from your Acme profile.

1. Click your avatar in the top right corner and choose **Profile**.
2. Edit **Name** or **Email** and click **Save**.

When you change your email, we send a confirmation link to the new address; the change takes effect once you click it. Until then, keep signing in with your old address.
`},
			{title: "Export your data", status: models.StatusDraft, body: `Workspace exports are coming soon. This article will explain how to download all your projects and files as a ZIP archive.
`},
		},
	},
	{
		name:        "Troubleshooting",
		description: "When something does not work as expected.",
		articles: []demoArticle{
			{title: "SSO troubleshooting: what each sign-in error means", body: ssoTroubleshooting},
			{title: "Rotating the SSO shared secret", audience: models.RoleAdmin, body: `*For administrators.* The shared secret is what your app uses to sign the tokens that let people into this help center. Rotate it if it may have leaked, or when someone who knew it leaves.

1. In the help center console, open **Settings → Security → SSO → JWT**.
2. Click **Regenerate** and confirm. The new secret is shown **once**: copy it.
3. Put the new secret in your app's configuration and deploy.

Between steps 2 and 3, sign-ins fail with ` + "`jwt_invalid_signature`" + `, because your app still signs with the old secret. Plan the rotation for a quiet moment, or have the deploy ready before you regenerate.
`},
		},
	},
}

// ssoTroubleshooting explains every reason code of a rejected sign-in.
const ssoTroubleshooting = `If signing in to this help center fails, the error page shows a **reason code**. Find it below to see what went wrong and what to do. Most problems are solved by clicking **Try again**; the rest need your Acme administrator, who can look the sign-in up in the help center's logs.

## Setup problems

### sso_not_configured

Sign-in through Acme is not switched on for this help center yet, or no shared secret has been saved. Nothing you can do fixes this: ask your administrator to finish the single sign-on set-up.

### jwt_unknown_key

The sign-in did not start from this help center, or it started more than 10 minutes ago, or its one-time key was already used. Click **Try again** to start a fresh sign-in. If it happens every time, your administrator may need to allow "sign-in started from your app".

### jwt_key_mismatch

The sign-in was started in another browser (or a private window) than the one that finished it. Start again in the browser you want to use.

## Problems with the sign-in token

Your app sends a short-lived, signed token that says who you are. These codes mean the help center could not accept it.

### jwt_malformed

The token is damaged or not a token at all, often because a link was cut off when it was copied. Click **Try again**.

### jwt_invalid_signature

The token was not signed with the secret this help center knows. Usually the secret was just regenerated and the app still uses the old one. Your administrator needs to update the app.

### jwt_missing_required_claim

The token leaves out something required, such as your email address or name. This is a configuration problem in the app; tell your administrator which code you saw.

### jwt_invalid_claim

Something in the token has the wrong form, for example an email address that is not valid, or a role other than viewer, editor or admin. Check your profile in Acme, then tell your administrator.

### jwt_issuer_mismatch

The token says it comes from a different issuer than the one configured for this help center. Your administrator should make the Issuer setting and the app agree.

### jwt_audience_mismatch

The token was made for a different audience than this help center. Your administrator should make the Audience setting and the app agree.

## Timing problems

Tokens are valid for a few minutes only. These codes usually mean your computer's clock, or the app server's, is wrong.

### jwt_expired

The token's lifetime is over. Click **Try again**. If it keeps happening, check that your computer's date and time are set automatically.

### jwt_iat_in_future

The token claims to have been made in the future, which means the app server's clock is ahead. Your administrator needs to fix the server's time.

### jwt_not_yet_valid

The token is not valid yet: the app set a start time that has not come. As above, a server clock is usually wrong.

### jwt_too_old

The token was made longer ago than this help center accepts, even though it has not expired. Click **Try again**; if it persists, your administrator can raise the Token TTL.

## Security checks

### jwt_replayed

This token was already used. Each token works once, so a copied sign-in link cannot be used by someone else. Click **Try again** for a new one.

### user_banned

Your account has been suspended from this help center. Contact your Acme administrator if you think this is a mistake.

## Who may join

### user_not_invited

This help center is open to invited people only (its administrator chose **Invite only**), and you are not on the list yet. Ask your Acme administrator to add you; then **Try again**.

### email_domain_not_allowed

Only people with an email address of certain domains can join this help center, and yours is not one of them. Sign in to the app with your work address, or ask your Acme administrator to add your domain.
`
