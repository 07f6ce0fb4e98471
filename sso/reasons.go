package sso

import "net/http"

// ReasonCode names why a sign-in was rejected. The codes are part of the
// product's contract: they appear on the visitor's error page, in the Logs
// view, in the CSV export and in the widget's JSON errors.
type ReasonCode string

// The reason codes of SPEC section 4, in the order their checks run.
const (
	ReasonSSONotConfigured     ReasonCode = "sso_not_configured"
	ReasonMalformed            ReasonCode = "jwt_malformed"
	ReasonInvalidSignature     ReasonCode = "jwt_invalid_signature"
	ReasonMissingRequiredClaim ReasonCode = "jwt_missing_required_claim"
	ReasonInvalidClaim         ReasonCode = "jwt_invalid_claim"
	ReasonExpired              ReasonCode = "jwt_expired"
	ReasonIssuedInFuture       ReasonCode = "jwt_iat_in_future"
	ReasonNotYetValid          ReasonCode = "jwt_not_yet_valid"
	ReasonTooOld               ReasonCode = "jwt_too_old"
	ReasonIssuerMismatch       ReasonCode = "jwt_issuer_mismatch"
	ReasonAudienceMismatch     ReasonCode = "jwt_audience_mismatch"
	ReasonReplayed             ReasonCode = "jwt_replayed"
	ReasonUnknownKey           ReasonCode = "jwt_unknown_key"
	ReasonKeyMismatch          ReasonCode = "jwt_key_mismatch"
	ReasonUserBanned           ReasonCode = "user_banned"
	ReasonUserNotInvited       ReasonCode = "user_not_invited"
	ReasonDomainNotAllowed     ReasonCode = "email_domain_not_allowed"
)

// Reason describes one reason code for the people who meet it: the visitor's
// rejection page, the console's Logs view and the documentation all read it
// from here, so the wording exists once.
type Reason struct {
	Code ReasonCode
	// Check is the number of the check in SPEC section 4 (0–16), -1 for
	// rate_limited, which is no check of the token.
	Check int
	// Title is a few words, e.g. for a table column or a page heading.
	Title string
	// Explanation says in plain words what is wrong and how to fix it,
	// written for the help center's admin.
	Explanation string
	// Extension is true for the reasons this product adds to the ones
	// HelpCenter.io documents (checks 1, 4, 7, 12 and 13); the console
	// must say so next to them.
	Extension bool
	// HTTPStatus is the status of the visitor's rejection page.
	HTTPStatus int
}

// reasons is the one list, in check order.
var reasons = []Reason{
	{
		Code: ReasonSSONotConfigured, Check: 0, Title: "Single sign-on is not set up",
		Explanation: "JWT single sign-on is turned off for this help center, or no shared secret has been saved, " +
			"so no token can be checked and nobody can sign in. In Settings → Security → SSO, turn on " +
			"Single sign-on, then open JWT (HS256), enter the Login URL and a shared secret, and apply the settings.",
		HTTPStatus: http.StatusServiceUnavailable,
	},
	{
		Code: ReasonMalformed, Check: 1, Title: "Malformed token",
		Explanation: "The token is not a well-formed JWT. It must be three parts of unpadded base64url joined by dots, " +
			"its header and payload must be JSON objects that never repeat a member name, the header must not " +
			"carry \"crit\", and the whole token must be at most 8192 bytes. Produce tokens with a standard JWT " +
			"library instead of assembling them by hand, and pass the token on unchanged (no added padding or spaces).",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonInvalidSignature, Check: 2, Title: "Invalid signature",
		Explanation: "The token was not signed with HS256 using this help center's shared secret. Sign with HS256 " +
			"(not \"none\", HS384, HS512 or RS256), use the secret exactly as shown in the console, as its text " +
			"(UTF-8 bytes, not base64-decoded), and make sure your app has the current secret: regenerating it " +
			"invalidates tokens signed with the old one.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonMissingRequiredClaim, Check: 3, Title: "Missing required claim",
		Explanation: "The token lacks a claim every token must carry: jti, iss, iat, exp, email and name. A claim " +
			"that is null or an empty string counts as missing, and names are case-sensitive (\"EMAIL\" is not " +
			"\"email\"). Add the claim; jti must be the key we sent to your login page.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonInvalidClaim, Check: 4, Title: "Invalid claim",
		Explanation: "A claim has the wrong type or form: iat, exp and nbf must be numbers of seconds; jti, iss " +
			"and name strings, jti at most 256 bytes; email a plain address without spaces; role viewer, editor " +
			"or admin; aud a string or a list of strings; external_id a string or a whole number; lang a language " +
			"tag such as \"en-US\"; avatar_url an absolute https URL; custom_fields a JSON object. The detail " +
			"names the claim; fix how your app fills it in.",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonExpired, Check: 5, Title: "Token expired",
		Explanation: "The token's exp is more than 30 seconds in the past. Sign the token at the moment you redirect " +
			"the visitor, with exp a few minutes ahead, and keep your server's clock synchronised (NTP).",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonIssuedInFuture, Check: 6, Title: "Issued in the future",
		Explanation: "The token's iat is more than 30 seconds ahead of our clock, which means your server's clock " +
			"runs fast. Synchronise it (NTP) and set iat to the current time when signing.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonNotYetValid, Check: 7, Title: "Not yet valid",
		Explanation: "The token's nbf (not before) is more than 30 seconds in the future. Leave nbf out or set it " +
			"to the signing time, and check your server's clock.",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonTooOld, Check: 8, Title: "Token too old",
		Explanation: "The token was issued (iat) longer ago than this help center's Token TTL allows (300 seconds " +
			"unless changed; no clock skew is added). Sign a fresh token for every sign-in instead of reusing " +
			"one, check your server's clock, or raise the Token TTL in the JWT settings.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonIssuerMismatch, Check: 9, Title: "Issuer mismatch",
		Explanation: "An Issuer is configured for this help center and the token's iss is not exactly the same " +
			"(the comparison is case-sensitive). Make your app send that iss, or change or clear the Issuer " +
			"in the JWT settings.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonAudienceMismatch, Check: 10, Title: "Audience mismatch",
		Explanation: "An Audience is configured for this help center and the token's aud is missing, or neither " +
			"equals it nor, as a list, contains it. Make your app send that aud, or change or clear the " +
			"Audience in the JWT settings.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonReplayed, Check: 11, Title: "Token already used",
		Explanation: "This help center already accepted a token with the same jti, and every token works once. " +
			"Sign a new token, with the key we send, for every sign-in. A second browser, a shared link or a " +
			"link scanner opening the same sign-in link also ends here.",
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonUnknownKey, Check: 12, Title: "Unknown sign-in key",
		Explanation: "The token's jti is not a sign-in key this help center handed out, or the key was already " +
			"used or is older than 10 minutes. Put the key query parameter we send to your login page into jti, " +
			"unchanged. If your app starts sign-ins itself, with its own jti, an admin can turn on \"Allow " +
			"sign-in started from your app\".",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonKeyMismatch, Check: 13, Title: "Key issued to another browser",
		Explanation: "The token's jti is a sign-in key that was handed out to a different browser. A sign-in must " +
			"finish in the browser that started it, so that a sign-in link cannot be used by someone else. " +
			"Start again from the help center in this browser.",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonUserBanned, Check: 14, Title: "User suspended",
		Explanation: "The token is valid, but this user is suspended on this help center. An admin can lift the " +
			"suspension (helpcenter user unban).",
		HTTPStatus: http.StatusForbidden,
	},
	{
		Code: ReasonUserNotInvited, Check: 15, Title: "Not invited",
		Explanation: "The token is valid, but this help center is set to Invite only (Settings → Security → SSO → JWT, " +
			"Provisioning) and has no user with this external_id or email. Create the user beforehand — in Settings → " +
			"Users, with the partner API (PUT /api/v1/users/{external_id}) or the CLI — or switch to \"Create users on " +
			"first sign-in\".",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
	{
		Code: ReasonDomainNotAllowed, Check: 16, Title: "Email domain not allowed",
		Explanation: "The token is valid, but its email's domain is not among the help center's Allowed email domains " +
			"(Settings → Security → SSO → JWT), so no new user is created for it. Add the domain, or leave the list empty " +
			"to allow any. Users who already exist keep signing in whatever their domain.",
		Extension:  true,
		HTTPStatus: http.StatusUnauthorized,
	},
}

// ReasonRateLimited is no token check: the client's address passed one of
// the limits of SPEC section 3, which count rejected sign-ins, unfinished
// flows, wrong site passwords and widget rejections, never a sign-in whose
// token verifies.
const ReasonRateLimited ReasonCode = "rate_limited"

// RateLimited explains rate_limited rows and refusals.
var RateLimited = Reason{
	Code: ReasonRateLimited, Check: -1, Title: "Too many failed attempts from one address",
	Explanation: "This address made more failed attempts than the per-address limit allows in a short time " +
		"(rejected sign-ins, sign-ins started but not finished, wrong site passwords or rejected widget calls), " +
		"so further attempts from it are refused for a moment. A sign-in whose token verifies is never refused, " +
		"so an office behind one address is not locked out; a run of these rows usually means a script, or a " +
		"partner app sending tokens that fail. The rows just before it name the cause. Further refusals in the " +
		"same minute are counted in one row.",
	Extension:  true,
	HTTPStatus: http.StatusTooManyRequests,
}

// ReasonOriginNotAllowed is no token check either: a widget call came
// from a page whose origin is not among the help center's allowed widget
// origins, so the browser was given no CORS header (SPEC section 8).
const ReasonOriginNotAllowed ReasonCode = "origin_not_allowed"

// OriginNotAllowed explains origin_not_allowed rows.
var OriginNotAllowed = Reason{
	Code: ReasonOriginNotAllowed, Check: -1, Title: "Widget on a page that is not allowed",
	Explanation: "The widget was loaded on a page whose origin (scheme, host and port) is not in Settings → Widget → " +
		"Allowed widget origins, so the browser keeps the help center's answers from that page and the widget shows " +
		"a notice instead. Add the origin exactly as the row's detail names it (one a line), or remove the snippet " +
		"from that page. Further calls from the same address in the same minute are counted in one row.",
	Extension:  true,
	HTTPStatus: http.StatusForbidden,
}

// Reasons returns every reason, in the order of SPEC section 4. The slice
// is a copy; changing it changes nothing here.
func Reasons() []Reason {
	return append([]Reason(nil), reasons...)
}

// LookupReason returns the reason with this code, and false for a code that
// is not one of ours (for instance an empty one: a success).
func LookupReason(code ReasonCode) (Reason, bool) {
	for _, r := range reasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}

// VisitorMessage says what a rejection means to the visitor who met it,
// in their words: what happened and what they can do. The reason's
// Explanation, which speaks to the partner's developers, is folded away
// beneath it on the rejection page.
func VisitorMessage(code ReasonCode) string {
	switch code {
	case ReasonSSONotConfigured:
		return "Signing in isn't set up for this help center yet. The team that runs it has been told in its logs."
	case ReasonUserBanned:
		return "Your account can't open this help center. If you think that's a mistake, contact the team that runs it."
	case ReasonUserNotInvited:
		return "This help center is open to invited people only, and your account isn't on the list yet. Ask the team that runs it to invite you."
	case ReasonDomainNotAllowed:
		return "This help center is open to people from certain organisations only, and your email address isn't from one of them. Sign in with your work email, or ask the team that runs it."
	case ReasonExpired, ReasonTooOld, ReasonIssuedInFuture, ReasonNotYetValid:
		return "Your sign-in took too long to arrive, or a clock is off. Try again; it usually works the second time."
	case ReasonReplayed, ReasonUnknownKey, ReasonKeyMismatch:
		return "This sign-in link was already used, has expired, or was started in another browser. Try again from this browser."
	case ReasonRateLimited:
		return "There were too many failed attempts from your network. Wait a moment, then try again."
	}
	return "Something went wrong while your app signed you in. Try again; if it keeps happening, tell the team that runs this help center."
}
