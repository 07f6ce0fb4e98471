package markdown

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestPersonalisation(t *testing.T) {
	jane := Reader{Name: "Jane Doe", Email: "jane@example.com", Groups: []string{"beta"},
		Custom: json.RawMessage(`{"plan":"Enterprise","seats":42,"url":"javascript:alert(1)","note":null}`)}
	for _, tc := range []struct {
		name, src string
		r         Reader
		want      []string
		not       []string
	}{
		{"values", "Hello {{user.name}} ({{ user.email }}), plan {{user.custom.plan}}, {{user.custom.seats}} seats.", jane,
			[]string{"<p>Hello Jane Doe (jane@example.com), plan Enterprise, 42 seats.</p>"}, nil},
		{"anonymous", "Hello {{user.name}}!", Reader{}, []string{"<p>Hello !</p>"}, []string{"HCV", "{{"}},
		{"unknown field and null", "[{{user.custom.missing}}][{{user.custom.note}}]", jane, []string{"<p>[][]</p>"}, nil},
		{"script in a name stays text", "Hi {{user.name}}", Reader{Name: `<script>alert(1)</script><img src=x onerror=alert(1)>`},
			[]string{"Hi &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"}, []string{"<script", "<img"}},
		{"a value in a link is URL-escaped, never a scheme", "[open]({{user.custom.url}})", jane,
			[]string{`href="javascript%3Aalert%281%29"`}, []string{`href="javascript:`}},
		{"a value in a query string", "[me](https://app.test/?u={{user.email}})", jane, []string{`href="https://app.test/?u=jane%40example.com"`}, nil},
		{"group block taken", "Intro\n\n{{#if group \"beta\"}}\n## Beta only\n\nTry **it**.\n{{else}}\nJoin the beta.\n{{/if}}\n\nEnd", jane,
			[]string{"<h2", "Beta only", "<strong>it</strong>", "End"}, []string{"Join the beta"}},
		{"group block not taken", "{{#if group \"beta\"}}Beta{{else}}Join the beta{{/if}}", Reader{Groups: []string{"other"}},
			[]string{"Join the beta"}, []string{"Beta<"}},
		{"nested", `{{#if group "a"}}A{{#if group "b"}}B{{else}}notB{{/if}}{{/if}}`, Reader{Groups: []string{"a"}},
			[]string{"AnotB"}, []string{"AB"}},
		{"stray else and /if are text", "x {{else}} y {{/if}}", jane, []string{"x {{else}} y {{/if}}"}, nil},
		{"a forged placeholder is text", "HCVAAAAAAAAAAAAN0Z {{user.name}}", jane, []string{"HCVAAAAAAAAAAAAN0Z Jane Doe"}, nil},
		{"group names are exact", `{{#if group "Beta"}}yes{{else}}no{{/if}}`, jane, []string{"no"}, nil},
	} {
		got := string(HTMLFor(tc.src, tc.r))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q has %q", tc.name, got, n)
			}
		}
	}
}

// Search indexes the anonymous text: a group's text is not findable (or
// quoted) by people outside it.
func TestTextLeavesOutGroupText(t *testing.T) {
	got := Text("Public {{user.name}} part.\n\n{{#if group \"beta\"}}Secret roadmap{{else}}Ask us{{/if}}")
	if got != "Public part. Ask us" {
		t.Fatalf("Text: %q", got)
	}
	if Personal("plain {{ text }}") || !Personal("{{user.email}}") {
		t.Error("Personal misjudges")
	}
}
