# MicroStax: build, run, test and regenerate.
GO       ?= go
DATA_DIR ?= _output/data
PORT     ?= 8443

# -trimpath keeps build-cache keys free of the checkout's path, so a fresh clone
# (as CI makes) reuses what an earlier checkout compiled.
export GOFLAGS := -mod=vendor -trimpath

.PHONY: all build run test fuzz test-unit test-integration test-e2e tools local-up-aggregated codegen verify verify-gofmt vet clean

all: build

build: ## Build every binary into _output/bin.
	$(GO) build -o _output/bin/ ./cmd/...

run: build ## Run stax-apiserver on embedded etcd; kubeconfig: $(DATA_DIR)/admin.kubeconfig
	PATH="$(CURDIR)/_output/bin:$$PATH" _output/bin/stax-apiserver --data-dir $(DATA_DIR) --bind-address 127.0.0.1 --secure-port $(PORT)

test: ## Every test: unit, integration (embedded etcd, real kubectl), then e2e behind kube-apiserver.
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/e2e)
	$(MAKE) test-e2e

# Go fuzzes one target per invocation: package:target:inputs. Each target
# runs a fixed number of inputs, about 15 s' worth on this kind of machine
# (CI runs of 2026-12-04), not a duration: with -fuzztime 15s, Go 1.26's
# coordinator can fail a clean run with "context deadline exceeded" as the
# time runs out (go.dev/issue/75804, fixed in Go 1.27). FUZZTIME, when set,
# replaces every count (a duration such as 2m, or 1000x).
# Minimising each new input is capped too: in a binary as large as the
# apiserver's it otherwise takes the whole run (10 execs in 15 s).
FUZZTIME     ?=
FUZZ_TARGETS := ./pkg/yamlbudget:FuzzCheck:150000x ./pkg/apis/stax/install:FuzzDecodeEnvironment:50000x \
                ./pkg/apis/stax/install:FuzzDecodeEnvironmentProtobuf:18000x \
                ./pkg/gateway:FuzzReadObject:14000x ./pkg/identity:FuzzParseAndVerify:100000x

fuzz: ## Each fuzz target (YAML budget, blueprint decoders, gateway body reader, token parser) for its count of inputs (or FUZZTIME).
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; limit=$(if $(FUZZTIME),$(FUZZTIME),$${rest#*:}); \
	  echo "fuzz $$name in $$pkg for $$limit"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$limit -fuzzminimizetime 3s $$pkg; \
	done

test-unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/)

test-integration:
	$(GO) test -count=1 -v ./test/integration/...

# The tools build first, outside the test timeout: cold it takes minutes.
test-e2e: tools ## stax-apiserver aggregated behind a real kube-apiserver and etcd.
	$(GO) test -count=1 -timeout 45m -v ./test/e2e/...

tools: ## Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (hack/tools) into _output/tools/bin.
	hack/build-tools.sh --all

local-up-aggregated: ## etcd + kube-apiserver + stax-apiserver (aggregated), until Ctrl-C.
	hack/local-up-aggregated.sh

codegen: ## Regenerate deepcopy, defaults, conversion, openapi, clients.
	hack/update-codegen.sh

verify: verify-gofmt vet ## Checks CI runs before the tests.
	hack/verify-codegen.sh
	hack/verify-etcd-version.sh

verify-gofmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' | grep -v '^vendor/')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

clean:
	rm -rf _output
