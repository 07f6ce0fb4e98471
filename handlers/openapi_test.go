package handlers

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// The OpenAPI description names exactly the API's routes: a route added
// without its description, or described but gone, fails here.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	h := routeTestHandler(t)
	var served []string
	for _, r := range routeTable(h.consoleHost) {
		method, path, _ := strings.Cut(r, " ")
		rest, ok := strings.CutPrefix(path, "/api/v1")
		if !ok || rest == "/openapi.json" {
			continue
		}
		// Echo's :param is OpenAPI's {param}.
		parts := strings.Split(rest, "/")
		for i, p := range parts {
			if name, ok := strings.CutPrefix(p, ":"); ok {
				parts[i] = "{" + name + "}"
			}
		}
		served = append(served, strings.ToLower(method)+" "+strings.Join(parts, "/"))
	}
	raw, err := os.ReadFile("partnerapi/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	var described []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			var o struct {
				Scope     string                     `json:"x-scope"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(op, &o); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			if o.Scope == "" || o.Responses["401"] == nil || o.Responses["403"] == nil {
				t.Errorf("%s %s: no scope, or no 401/403 answer described", method, path)
			}
			described = append(described, method+" "+path)
		}
	}
	slices.Sort(served)
	slices.Sort(described)
	if !slices.Equal(served, described) {
		t.Errorf("routes and OpenAPI differ:\nserved    %v\ndescribed %v", served, described)
	}
	if len(served) < 5 {
		t.Errorf("only %d API routes found", len(served))
	}
}
