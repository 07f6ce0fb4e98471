// Command archcheck enforces the direction of imports between helpcenter's
// packages (STYLE.md, "The rooms"): internal/app → handlers → sso, store,
// views → models. `make lint` runs it, so an arrow pointing the wrong way
// fails CI instead of waiting for a review to notice it.
//
// It reads the non-test Go files of every package with go/build (test files
// may reach further: a handler test drives the whole app), prints each
// package's arrows into the module, and exits 1 when any rule is broken.
package main

import (
	"fmt"
	"go/build"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

const module = "helpcenter"

// rule is one constraint on the import graph. applies picks the importing
// package; forbidden says whether it may not import imp.
type rule struct {
	name      string
	applies   func(pkg string) bool
	forbidden func(pkg, imp string) bool
}

func under(prefix string) func(string) bool {
	return func(p string) bool { return p == prefix || strings.HasPrefix(p, prefix+"/") }
}

func internalOnly(allowed ...string) func(pkg, imp string) bool {
	return func(_, imp string) bool {
		if !under(module)(imp) {
			return false
		}
		for _, a := range allowed {
			if under(a)(imp) {
				return false
			}
		}
		return true
	}
}

// surfaces are the HTTP surfaces: each its own room, none importing another.
var surfaces = []string{"handlers/console", "handlers/site", "handlers/widgetapi", "handlers/demopartner"}

var rules = []rule{
	{
		name:      "models imports nothing of the module",
		applies:   under(module + "/models"),
		forbidden: internalOnly(),
	},
	{
		name:      "sso imports only models",
		applies:   under(module + "/sso"),
		forbidden: internalOnly(module + "/models"),
	},
	{
		name:      "store imports only models",
		applies:   func(p string) bool { return under(module+"/store")(p) && !under(module+"/store/storetest")(p) },
		forbidden: internalOnly(module + "/models"),
	},
	{
		name:      "views import only views, models and static",
		applies:   under(module + "/views"),
		forbidden: internalOnly(module+"/views", module+"/models", module+"/static"),
	},
	{
		name:    "only internal/app (and handlers itself) imports handlers",
		applies: func(p string) bool { return !under(module+"/handlers")(p) && p != module+"/internal/app" },
		forbidden: func(_, imp string) bool {
			return under(module + "/handlers")(imp)
		},
	},
	{
		name: "a surface never imports another surface",
		applies: func(p string) bool {
			return slices.ContainsFunc(surfaces, func(s string) bool { return under(module + "/" + s)(p) })
		},
		forbidden: func(pkg, imp string) bool {
			for _, s := range surfaces {
				if under(module+"/"+s)(imp) && !under(module+"/"+s)(pkg) {
					return true
				}
			}
			return false
		},
	},
	{
		name: "only main, the test harness and bench import internal/app",
		applies: func(p string) bool {
			return !slices.Contains([]string{module, module + "/internal/testapp", module + "/bench"}, p)
		},
		forbidden: func(_, imp string) bool {
			return imp == module+"/internal/app"
		},
	},
	{
		name:    "only store imports gorm",
		applies: func(p string) bool { return !under(module + "/store")(p) },
		forbidden: func(_, imp string) bool {
			return under("gorm.io")(imp)
		},
	},
	{
		name:    "only handlers (and bench's bare-Echo references) import Echo",
		applies: func(p string) bool { return !under(module+"/handlers")(p) && !under(module+"/bench")(p) },
		forbidden: func(_, imp string) bool {
			return under("github.com/labstack/echo/v4")(imp)
		},
	},
}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	graph, err := load(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "archcheck:", err)
		os.Exit(2)
	}
	pkgs := make([]string, 0, len(graph))
	for p := range graph {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	arrows := 0
	var violations []string
	for _, p := range pkgs {
		var inner []string
		for _, imp := range graph[p] {
			if under(module)(imp) {
				inner = append(inner, strings.TrimPrefix(imp, module+"/"))
			}
			for _, r := range rules {
				if r.applies(p) && r.forbidden(p, imp) {
					violations = append(violations, fmt.Sprintf("%s → %s: %s", p, imp, r.name))
				}
			}
		}
		arrows += len(inner)
		fmt.Printf("%-28s → %s\n", strings.TrimPrefix(strings.TrimPrefix(p, module), "/"), strings.Join(inner, ", "))
	}
	fmt.Printf("import graph: %d packages, %d arrows inside the module, %d rules, %d violations\n",
		len(pkgs), arrows, len(rules), len(violations))
	for _, v := range violations {
		fmt.Println("  violation:", v)
	}
	if len(violations) > 0 {
		os.Exit(1)
	}
}

// load maps each package of the module under root to its non-test imports.
func load(root string) (map[string][]string, error) {
	graph := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		bp, err := build.ImportDir(p, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return fmt.Errorf("%s: %w", p, err)
		}
		rel, _ := filepath.Rel(root, p)
		pkg := module
		if rel != "." {
			pkg = path.Join(module, filepath.ToSlash(rel))
		}
		graph[pkg] = bp.Imports
		return nil
	})
	return graph, err
}
