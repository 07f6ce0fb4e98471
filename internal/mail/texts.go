package mail

import (
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"helpcenter/models"
)

// The product's mails. Each is written once as plain text (the part every
// client shows) and once as HTML; html/template escapes what an admin
// typed (a workspace name, an email) in the HTML part.
type letter struct {
	subject string
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

func newLetter(subject, text, html string) letter {
	return letter{
		subject: subject,
		text:    texttemplate.Must(texttemplate.New("text").Parse(text)),
		html:    htmltemplate.Must(htmltemplate.New("html").Parse(html)),
	}
}

func (l letter) write(to string, data any) models.Mail {
	var subject, text, html strings.Builder
	// The templates are the product's own and their data plain values:
	// an error here is a programming error that the tests catch.
	must(texttemplate.Must(texttemplate.New("s").Parse(l.subject)).Execute(&subject, data))
	must(l.text.Execute(&text, data))
	must(l.html.Execute(&html, data))
	return models.Mail{To: to, Subject: subject.String(), Text: text.String(), HTML: html.String()}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

const htmlFrame = `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2937">`

var invitation = newLetter(`{{.Inviter}} invited you to {{.Workspace}} on helpcenter`,
	`{{.Inviter}} invited you to join the team of {{.Workspace}} on helpcenter as {{.Role}}.

Accept the invitation and choose your password:
{{.Link}}

The link works once and expires in 7 days. If you did not expect this, ignore this mail.
`,
	htmlFrame+`<p>{{.Inviter}} invited you to join the team of <strong>{{.Workspace}}</strong> on helpcenter as {{.Role}}.</p>
<p><a href="{{.Link}}">Accept the invitation</a></p>
<p style="color:#6b7280">The link works once and expires in 7 days. If you did not expect this, ignore this mail.</p></body></html>`)

// Invitation is the mail that invites to to a workspace's team.
func Invitation(to, workspace, inviter string, role models.AdminRole, link string) models.Mail {
	return invitation.write(to, map[string]string{"Workspace": workspace, "Inviter": inviter, "Role": role.Label(), "Link": link})
}

var passwordReset = newLetter(`Reset your helpcenter password`,
	`Someone asked to reset the password of your helpcenter account ({{.Email}}).

Choose a new password:
{{.Link}}

The link works once and expires in 1 hour. If it was not you, ignore this mail: your password stays as it is.
`,
	htmlFrame+`<p>Someone asked to reset the password of your helpcenter account ({{.Email}}).</p>
<p><a href="{{.Link}}">Choose a new password</a></p>
<p style="color:#6b7280">The link works once and expires in 1 hour. If it was not you, ignore this mail: your password stays as it is.</p></body></html>`)

// PasswordReset is the mail with a one-time password-reset link.
func PasswordReset(to, link string) models.Mail {
	return passwordReset.write(to, map[string]string{"Email": to, "Link": link})
}

var providerShipped = newLetter(`{{.Provider}} sign-in is here`,
	`You asked to hear when {{.Provider}} single sign-on ships in helpcenter. It has.

Set it up:
{{.Link}}
`,
	htmlFrame+`<p>You asked to hear when {{.Provider}} single sign-on ships in helpcenter. It has.</p>
<p><a href="{{.Link}}">Set it up</a></p></body></html>`)

// ProviderShipped tells an admin who asked that a sign-in provider shipped.
func ProviderShipped(to, provider, link string) models.Mail {
	return providerShipped.write(to, map[string]string{"Provider": provider, "Link": link})
}

// ReasonLine is one reason of an alert's breakdown.
type ReasonLine struct {
	Code  string
	Title string
	Count int64
}

var rejectionsAlert = newLetter(`[{{.HelpCenter}}] {{.Total}} sign-ins rejected in 10 minutes`,
	`{{.Total}} sign-ins to {{.HelpCenter}} were rejected in the last 10 minutes (your alert fires above {{.Threshold}}).

By reason:
{{range .Reasons}}  {{.Count}} × {{.Code}} — {{.Title}}
{{end}}
See them in the Logs view:
{{.Link}}

This alert is mailed at most once an hour. Change it in Settings → Logs → Alerts.
`,
	htmlFrame+`<p>{{.Total}} sign-ins to <strong>{{.HelpCenter}}</strong> were rejected in the last 10 minutes (your alert fires above {{.Threshold}}).</p>
<ul>{{range .Reasons}}<li>{{.Count}} × <code>{{.Code}}</code> — {{.Title}}</li>{{end}}</ul>
<p><a href="{{.Link}}">See them in the Logs view</a></p>
<p style="color:#6b7280">This alert is mailed at most once an hour. Change it in Settings → Logs → Alerts.</p></body></html>`)

// RejectionsAlert tells an admin that rejected sign-ins passed the threshold.
func RejectionsAlert(to, helpCenter string, total int64, threshold int, reasons []ReasonLine, link string) models.Mail {
	return rejectionsAlert.write(to, map[string]any{"HelpCenter": helpCenter, "Total": total, "Threshold": threshold, "Reasons": reasons, "Link": link})
}

var reasonJumpAlert = newLetter(`[{{.HelpCenter}}] {{.Reason}} jumped after a settings change`,
	`Since {{.Change}} ({{.When}}), {{.HelpCenter}} rejected {{.After}} sign-ins with {{.Reason}} — {{.Title}}. In the hour before the change: {{.Before}}.

If the change broke your app's sign-in, revert it, or update your app to match.

See them in the Logs view:
{{.Link}}

This alert is mailed at most once an hour. Change it in Settings → Logs → Alerts.
`,
	htmlFrame+`<p>Since {{.Change}} ({{.When}}), <strong>{{.HelpCenter}}</strong> rejected {{.After}} sign-ins with <code>{{.Reason}}</code> — {{.Title}}. In the hour before the change: {{.Before}}.</p>
<p>If the change broke your app's sign-in, revert it, or update your app to match.</p>
<p><a href="{{.Link}}">See them in the Logs view</a></p>
<p style="color:#6b7280">This alert is mailed at most once an hour. Change it in Settings → Logs → Alerts.</p></body></html>`)

// ReasonJumpAlert tells an admin that one reason jumped after a change.
func ReasonJumpAlert(to, helpCenter, reason, title string, after, before int64, change, when, link string) models.Mail {
	return reasonJumpAlert.write(to, map[string]any{"HelpCenter": helpCenter, "Reason": reason, "Title": title, "After": after,
		"Before": before, "Change": change, "When": when, "Link": link})
}
