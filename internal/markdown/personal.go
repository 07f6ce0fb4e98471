package markdown

import (
	"crypto/rand"
	"encoding/json"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
)

// Reader is who an article is personalised for (SPEC section 11): the
// values {{user.name}}, {{user.email}} and {{user.custom.<field>}} show,
// and the groups {{#if group "…"}} tests. The zero Reader is an anonymous
// visitor: empty values, in no group.
type Reader struct {
	Name, Email string
	// Custom is the token's custom_fields object as raw JSON (or nil).
	Custom json.RawMessage
	Groups []string
}

// directive matches the personalisation syntax; anything else in braces
// is left as the author wrote it.
var directive = regexp.MustCompile(`\{\{\s*(?:#if\s+group\s+"([^"\n]{1,64})"|(else)|(/if)|user\.(name|email|custom\.[A-Za-z0-9_-]{1,64}))\s*\}\}`)

// Personal reports whether src uses personalisation, so its page must not
// be shared between visitors.
func Personal(src string) bool { return directive.MatchString(src) }

// HTMLFor renders src for reader: the branches of {{#if group}} the reader
// takes are kept (on the Markdown, so a block keeps its structure), the
// whole is rendered and sanitised, and only then do the values go in —
// escaped, and into text only (in an attribute, URL-escaped) — so nothing
// a token says can become markup or a link's scheme.
func HTMLFor(src string, r Reader) template.HTML {
	if !Personal(src) {
		return HTML(src)
	}
	nonce := strings.ToUpper(rand.Text()[:12])
	chosen, values := choose(src, r, nonce)
	safe := policy.Sanitize(render(chosen))
	return template.HTML(fill(safe, nonce, values))
}

// textFor is src as an anonymous reader has it: what search indexes and
// quotes, so a group's text is never found or shown by someone outside it.
func textFor(src string) string {
	if !Personal(src) {
		return src
	}
	chosen, _ := choose(src, Reader{}, "")
	return chosen
}

// choose keeps the branches r takes and puts a placeholder for each value
// (nonce makes them impossible to forge in the text); an {{else}} or
// {{/if}} without its {{#if}} stays as written, an unclosed {{#if}} runs
// to the end.
func choose(src string, r Reader, nonce string) (string, []string) {
	type branch struct{ active, taken bool }
	var stack []branch
	active := func() bool {
		for _, b := range stack {
			if !b.active {
				return false
			}
		}
		return true
	}
	var out strings.Builder
	var values []string
	last := 0
	for _, m := range directive.FindAllStringSubmatchIndex(src, -1) {
		if active() {
			out.WriteString(src[last:m[0]])
		}
		last = m[1]
		switch {
		case m[2] >= 0: // #if group "…"
			in := slices.Contains(r.Groups, src[m[2]:m[3]])
			stack = append(stack, branch{active: in, taken: in})
		case m[4] >= 0: // else
			if len(stack) == 0 {
				out.WriteString(src[m[0]:m[1]])
				continue
			}
			top := &stack[len(stack)-1]
			top.active = !top.taken
		case m[6] >= 0: // /if
			if len(stack) == 0 {
				out.WriteString(src[m[0]:m[1]])
				continue
			}
			stack = stack[:len(stack)-1]
		default: // a value
			if !active() {
				continue
			}
			if nonce == "" {
				continue // the anonymous text: values are empty
			}
			values = append(values, r.value(src[m[8]:m[9]]))
			out.WriteString(placeholder(nonce, len(values)-1))
		}
	}
	if active() {
		out.WriteString(src[last:])
	}
	return out.String(), values
}

func placeholder(nonce string, i int) string { return "HCV" + nonce + "N" + strconv.Itoa(i) + "Z" }

// value is what a value directive shows for r: "" when r has none.
func (r Reader) value(name string) string {
	switch name {
	case "name":
		return r.Name
	case "email":
		return r.Email
	}
	field := strings.TrimPrefix(name, "custom.")
	var custom map[string]json.RawMessage
	if json.Unmarshal(r.Custom, &custom) != nil {
		return ""
	}
	raw, ok := custom[field]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw) // a number or a boolean as written
}

// fill puts the values in the sanitised HTML: escaped in text, URL-escaped
// (then escaped) in an attribute, where a raw value could otherwise be a
// javascript: link.
func fill(safe, nonce string, values []string) string {
	ph := regexp.MustCompile(`HCV` + nonce + `N(\d+)Z`)
	sub := func(s string, esc func(string) string) string {
		return ph.ReplaceAllStringFunc(s, func(m string) string {
			i, err := strconv.Atoi(ph.FindStringSubmatch(m)[1])
			if err != nil || i >= len(values) {
				return ""
			}
			return esc(values[i])
		})
	}
	var out strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(safe))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return out.String()
		case xhtml.TextToken:
			raw := string(z.Raw())
			if ph.MatchString(raw) {
				raw = sub(raw, html.EscapeString)
			}
			out.WriteString(raw)
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			raw := string(z.Raw())
			if !ph.MatchString(raw) {
				out.WriteString(raw)
				continue
			}
			t := z.Token()
			for i, a := range t.Attr {
				t.Attr[i].Val = sub(a.Val, url.QueryEscape)
			}
			out.WriteString(t.String())
		default:
			out.Write(z.Raw())
		}
	}
}
