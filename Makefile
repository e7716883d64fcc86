# MicroStax: build, run, test and regenerate.
GO       ?= go
DATA_DIR ?= _output/data
PORT     ?= 8443

export GOFLAGS := -mod=vendor

.PHONY: all build run test test-unit test-integration codegen verify verify-gofmt vet clean

all: build

build: ## Build every binary into _output/bin.
	$(GO) build -o _output/bin/ ./cmd/...

run: build ## Run stax-apiserver on embedded etcd; kubeconfig: $(DATA_DIR)/admin.kubeconfig
	PATH="$(CURDIR)/_output/bin:$$PATH" _output/bin/stax-apiserver --data-dir $(DATA_DIR) --bind-address 127.0.0.1 --secure-port $(PORT)

test: ## Every test: unit and integration (embedded etcd, real kubectl).
	$(GO) test -count=1 ./...

test-unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/)

test-integration:
	$(GO) test -count=1 -v ./test/...

codegen: ## Regenerate deepcopy, defaults, conversion, openapi, clients.
	hack/update-codegen.sh

verify: verify-gofmt vet ## Checks CI runs before the tests.
	hack/verify-codegen.sh

verify-gofmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' | grep -v '^vendor/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

clean:
	rm -rf _output
