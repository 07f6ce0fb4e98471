// Package markdown turns an article's Markdown into HTML that is safe to
// put on a help-center page, and into the plain text that search indexes.
package markdown

import (
	"bytes"
	"html"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	goldhtml "github.com/yuin/goldmark/renderer/html"
)

// md renders GitHub-flavoured Markdown. Raw HTML is let through so authors
// can use <kbd> or <details>; the sanitiser below, not goldmark, is what
// stands between an article and the reader's browser.
var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	goldmark.WithRendererOptions(goldhtml.WithUnsafe()),
)

// policy is bluemonday's user-generated-content policy: no <script>, no
// on* event attributes, no style attributes, and only http, https and
// mailto URLs (never javascript: or data:). Links get rel="nofollow
// noopener" since articles may point anywhere.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("kbd", "details", "summary")
	// A list continued after a table or code block keeps its numbering.
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
}()

// textPolicy strips every tag (and the contents of script and style).
var textPolicy = bluemonday.StrictPolicy()

// blockEnd matches the end of a block element, where Text puts a space so
// the words of two paragraphs do not run together (inline tags get none:
// "**para**." stays "para.").
var blockEnd = regexp.MustCompile(`(?i)</(p|h[1-6]|li|dt|dd|td|th|pre|blockquote|div|summary|details)>|<br\s*/?>|<hr\s*/?>`)

// HTML renders src and sanitises the result. The return type says the
// string is safe to embed as markup; nothing else in the code base
// produces one from article content.
func HTML(src string) template.HTML {
	return template.HTML(policy.Sanitize(render(src)))
}

// Text is src as plain text with collapsed white space, as an anonymous
// reader has it (personalised values empty, group-only text left out).
func Text(src string) string {
	return strings.Join(strings.Fields(html.UnescapeString(textPolicy.Sanitize(blockEnd.ReplaceAllString(render(textFor(src)), "$0 ")))), " ")
}

func render(src string) string {
	var buf bytes.Buffer
	// goldmark only fails when the writer does; a bytes.Buffer does not.
	_ = md.Convert([]byte(src), &buf)
	return buf.String()
}
