# helpcenter — see README.md. Every target runs from a fresh clone with Go
# installed; the browser and snippet tests also need Chromium, Node with npm and
# Debian's python3-jwt (apt-get install -y chromium nodejs npm python3-jwt default-jdk-headless).

GO       ?= go
PKGS     := ./...
BIN      := bin/helpcenter

.PHONY: run test test-short test-postgres generate lint verify build bench clean

## run: the server with the embedded SQLite database and the demo workspace
run:
	HELPCENTER_DEMO=1 $(GO) run .

## test: every test, browser tests included
test:
	$(GO) test -count=1 -timeout 20m $(PKGS)

## test-short: everything but the browser tests
test-short:
	$(GO) test -count=1 -short $(PKGS)

## test-postgres: the store, flow and CLI tests again on a throw-away PostgreSQL
## cluster (installed from Debian's packages when missing)
test-postgres:
	.ci/with-postgres $(GO) test -count=1 -timeout 20m ./store/ ./handlers/ ./internal/... .

## generate: templ components → *_templ.go
generate:
	$(GO) tool templ generate

## lint: go vet, staticcheck, gofmt, templ fmt and the import-graph check
## (which package may import which: internal/archcheck)
lint:
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	$(GO) run ./internal/archcheck
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) tool templ fmt -fail views

## verify: generated code is committed and current
verify: generate
	git diff --exit-code -- '*_templ.go'
	@test -z "$$(git status --porcelain -- '*_templ.go')" || { echo "untracked generated files:"; git status --porcelain -- '*_templ.go'; exit 1; }

## build: a static-ish binary in bin/
build:
	$(GO) build -o $(BIN) .

## bench: performance figures side by side (printed, not asserted); the
## first run generates event tables of 1 M and 10 M rows and builds
## oauth2-proxy, the outside loader's peer (a few minutes); wrk comes from
## Debian's packages
bench:
	@command -v wrk >/dev/null || { echo "installing wrk (apt-get install -y wrk)"; apt-get install -y wrk >/dev/null || sudo apt-get install -y wrk >/dev/null; }
	$(GO) test -run '^$$' -bench . -benchmem ./sso/
	$(GO) run ./bench

clean:
	rm -rf bin
