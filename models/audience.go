package models

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxGroupLength is the longest group name, as the groups claim allows.
const MaxGroupLength = 64

// Viewer is a help-center visitor as audiences see them: the role and
// the groups their latest token asserted (none for an anonymous visitor).
type Viewer struct {
	Role   Role
	Groups []string
}

// Anonymous is a visitor who has not signed in: a viewer in no group.
var Anonymous = Viewer{Role: RoleViewer}

// GroupsKey is the viewer's groups in one comparable string (sorted, one
// a line): what a cache of what they may see is keyed by.
func (v Viewer) GroupsKey() string {
	gs := slices.Clone(v.Groups)
	slices.Sort(gs)
	return strings.Join(slices.Compact(gs), "\n")
}

// ParseGroups reads the "Only these groups" field: names one a line (or
// comma-separated), trimmed, without repeats, in the order typed. Names
// are compared exactly, as the token's groups claim sends them.
func ParseGroups(text string) ([]string, error) {
	var out []string
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		g := strings.TrimSpace(line)
		if g == "" {
			continue
		}
		if utf8.RuneCountInString(g) > MaxGroupLength {
			return nil, Problemf("%q is longer than %d characters, the longest group a token can carry.", g, MaxGroupLength)
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// GroupsJSON is how an item's groups are stored beside it: a JSON array,
// or "" for none (the rule's cheap test).
func GroupsJSON(groups []string) string {
	if len(groups) == 0 {
		return ""
	}
	b, _ := json.Marshal(groups)
	return string(b)
}

// GroupsOf reads a stored groups column (JSON array or "").
func GroupsOf(stored string) []string {
	var gs []string
	if stored != "" {
		_ = json.Unmarshal([]byte(stored), &gs)
	}
	return gs
}

// AudienceLabel says in words who may read an item with this minimum
// role and these groups.
func AudienceLabel(minRole Role, groups []string) string {
	label := "Everyone"
	switch minRole {
	case RoleEditor:
		label = "Editors and admins"
	case RoleAdmin:
		label = "Admins only"
	}
	if len(groups) > 0 {
		label += " · only " + strings.Join(groups, ", ")
	}
	return label
}
