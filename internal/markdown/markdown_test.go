package markdown

import (
	"strings"
	"testing"
)

// Nothing an author writes, in Markdown or in raw HTML, may run script in
// a reader's browser.
func TestHTMLIsSanitised(t *testing.T) {
	tests := []struct {
		name, src string
		keep      []string
	}{
		{"script tag", "Hello <script>alert(1)</script> there", []string{"Hello"}},
		{"script block", "<script>\nalert(1)\n</script>\n\nAfter", []string{"After"}},
		{"markdown javascript link", "[click me](javascript:alert(1))", []string{"click me"}},
		{"encoded javascript link", "[x](jav&#x09;ascript:alert(1)) [y](JaVaScRiPt:alert(1))", []string{"x", "y"}},
		{"raw javascript link", `<a href="javascript:alert(1)">go</a>`, []string{"go"}},
		{"onerror", `<img src="https://example.com/x.png" onerror="alert(1)">`, []string{`src="https://example.com/x.png"`}},
		{"onclick", `<p onclick="alert(1)">para</p>`, []string{"para"}},
		{"markdown image data url", "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", nil},
		{"style attribute", `<p style="position:fixed">styled</p>`, []string{"styled"}},
		{"style element", "<style>body{display:none}</style>text", []string{"text"}},
		{"iframe", `<iframe src="https://evil.test"></iframe>`, nil},
		{"svg onload", `<svg onload="alert(1)"><circle r="1"/></svg>`, nil},
		{"form", `<form action="https://evil.test"><input name="x"></form>`, nil},
	}
	forbidden := []string{"<script", "javascript:", "onerror", "onclick", "onload", "style=", "<style", "<iframe", "data:", "<form", "<input", "<svg"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.ToLower(string(HTML(tt.src)))
			for _, f := range forbidden {
				if strings.Contains(got, strings.ToLower(f)) {
					t.Errorf("output keeps %q:\n%s", f, got)
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, strings.ToLower(k)) {
					t.Errorf("output lost %q:\n%s", k, got)
				}
			}
		})
	}
}

func TestHTMLKeepsFormatting(t *testing.T) {
	src := "## Steps\n\n1. Open **Settings**\n2. Press <kbd>Enter</kbd>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode & more\n```\n\n[Docs](https://example.com/docs)\n\n3. Third"
	got := string(HTML(src))
	for _, want := range []string{`<h2 id="steps">Steps</h2>`, "<ol>", "<strong>Settings</strong>", "<kbd>Enter</kbd>", "<table>",
		"code &amp; more", `href="https://example.com/docs"`, `<ol start="3">`, `rel="nofollow noreferrer"`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestText(t *testing.T) {
	got := Text("# Title\n\nFirst *para*.\n\nSecond & <b>bold</b>.\n\n<script>evil()</script>")
	if want := "Title First para. Second & bold."; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
