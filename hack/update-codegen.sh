#!/usr/bin/env bash
# Regenerates everything under pkg/generated and the generated files of
# pkg/apis: protobuf first (it rewrites the types' struct tags, as in
# Kubernetes' update-codegen.sh), then in the order k8s.io/code-generator's
# kube_codegen.sh uses: deepcopy, defaults, conversion, openapi, then
# applyconfigurations, clientset, listers and informers. Every generator is a
# `tool` of go.mod and vendored, so this runs offline; protobuf also needs
# protoc on PATH (apt-get install protobuf-compiler).
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "${ROOT}"

MODULE="$(go list -m)"
APIS="${MODULE}/pkg/apis"
OUT_PKG="${MODULE}/pkg/generated"
BOILERPLATE="${ROOT}/hack/boilerplate.go.txt"

# Packages below pkg/apis whose sources carry a given marker.
packages_with_marker() {
  grep -rl --include='*.go' -E "^\s*//\s*\+$1" pkg/apis \
    | xargs -r -n1 dirname | LC_ALL=C sort -u | sed "s|^|${MODULE}/|"
}

mapfile -t protobuf_pkgs < <(packages_with_marker 'k8s:protobuf-gen=package')
mapfile -t deepcopy_pkgs < <(packages_with_marker 'k8s:deepcopy-gen=')
mapfile -t defaulter_pkgs < <(packages_with_marker 'k8s:defaulter-gen=')
mapfile -t conversion_pkgs < <(packages_with_marker 'k8s:conversion-gen=')
mapfile -t openapi_pkgs < <(packages_with_marker 'k8s:openapi-gen=')
mapfile -t client_pkgs < <(packages_with_marker 'genclient' | grep -E '/v[0-9]+((alpha|beta)[0-9]+)?$')

echo "protobuf: ${#protobuf_pkgs[@]} packages"
command -v protoc >/dev/null || { echo "protoc is required (apt-get install protobuf-compiler)" >&2; exit 1; }
find pkg/apis \( -name generated.proto -o -name generated.pb.go \) -delete
# go-to-protobuf runs protoc, which runs the protoc-gen-gogo plugin and
# goimports by name: build them from vendor/ into a directory of our own.
codegen_bin="${ROOT}/_output/codegen/bin"
go build -o "${codegen_bin}/" \
  k8s.io/code-generator/cmd/go-to-protobuf/protoc-gen-gogo golang.org/x/tools/cmd/goimports
# It reads and writes <output-dir>/<import path>, a GOPATH layout: give it
# one whose module path links back here.
gopath="$(mktemp -d)"
trap 'rm -rf "${gopath}"' EXIT
mkdir -p "${gopath}/$(dirname "${MODULE}")"
ln -s "${ROOT}" "${gopath}/${MODULE}"
# The apimachinery packages are inputs for their types' .proto names only
# ("-": never written); vendor/ holds their generated.proto and gogo.proto.
apimachinery_pkgs=(
  k8s.io/apimachinery/pkg/util/intstr k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/runtime/schema k8s.io/apimachinery/pkg/runtime
  k8s.io/apimachinery/pkg/apis/meta/v1
)
PATH="${codegen_bin}:${PATH}" go tool go-to-protobuf --go-header-file "${BOILERPLATE}" \
  --output-dir "${gopath}" --proto-import "${ROOT}/vendor" \
  --apimachinery-packages "$(IFS=,; echo "${apimachinery_pkgs[*]/#/-}")" \
  --packages "$(IFS=,; echo "${protobuf_pkgs[*]}")"

echo "deepcopy: ${#deepcopy_pkgs[@]} packages"
find pkg/apis -name zz_generated.deepcopy.go -delete
go tool deepcopy-gen --go-header-file "${BOILERPLATE}" --output-file zz_generated.deepcopy.go "${deepcopy_pkgs[@]}"

echo "defaults: ${#defaulter_pkgs[@]} packages"
find pkg/apis -name zz_generated.defaults.go -delete
go tool defaulter-gen --go-header-file "${BOILERPLATE}" --output-file zz_generated.defaults.go "${defaulter_pkgs[@]}"

echo "conversion: ${#conversion_pkgs[@]} packages"
find pkg/apis -name zz_generated.conversion.go -delete
go tool conversion-gen --go-header-file "${BOILERPLATE}" --output-file zz_generated.conversion.go "${conversion_pkgs[@]}"

echo "openapi (v2 and v3 definitions with model names)"
rm -f pkg/generated/openapi/zz_generated.openapi.go
# Types of apimachinery are inputs too, but their model-name files ship with
# them: mark them read-only so nothing under vendor/ is rewritten.
readonly_pkgs=(
  k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/runtime k8s.io/apimachinery/pkg/types
  k8s.io/apimachinery/pkg/util/intstr k8s.io/apimachinery/pkg/version time
)
readonly_args=()
for p in "${readonly_pkgs[@]}"; do readonly_args+=(--readonly-pkg "${p}"); done
# Known API rule violations are recorded here and diffed by verify-codegen.sh.
go tool openapi-gen --go-header-file "${BOILERPLATE}" \
  --output-file zz_generated.openapi.go \
  --output-dir pkg/generated/openapi --output-pkg "${OUT_PKG}/openapi" \
  --output-model-name-file zz_generated.model_name.go \
  --report-filename hack/api-rules-violations.list \
  "${readonly_args[@]}" \
  k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/runtime \
  k8s.io/apimachinery/pkg/version k8s.io/apimachinery/pkg/api/resource \
  k8s.io/apimachinery/pkg/util/intstr \
  "${openapi_pkgs[@]}"

echo "applyconfigurations"
rm -rf pkg/generated/applyconfiguration
go tool applyconfiguration-gen --go-header-file "${BOILERPLATE}" \
  --output-dir pkg/generated/applyconfiguration --output-pkg "${OUT_PKG}/applyconfiguration" \
  --openapi-schema <(go run ./pkg/generated/openapi/cmd/models-schema) \
  "${client_pkgs[@]}"

inputs=()
for p in "${client_pkgs[@]}"; do inputs+=(--input "${p#"${APIS}/"}"); done
# Plurals the generators' English rules get wrong (EnvironmentDiff would be
# "EnvironmentDifves"); Endpoints:Endpoints is their own default.
plurals=(--plural-exceptions "Endpoints:Endpoints,EnvironmentDiff:EnvironmentDiffs")

echo "clientset"
# --prefers-protobuf: the typed calls send protobuf and accept it before JSON,
# unless the rest.Config names content types; patch and apply bodies keep
# their JSON or YAML (client-go sets their Content-Type from the patch type).
rm -rf pkg/generated/clientset
go tool client-gen --go-header-file "${BOILERPLATE}" \
  --output-dir pkg/generated/clientset --output-pkg "${OUT_PKG}/clientset" \
  --clientset-name versioned --input-base "${APIS}" \
  --apply-configuration-package "${OUT_PKG}/applyconfiguration" \
  --prefers-protobuf \
  "${plurals[@]}" "${inputs[@]}"

echo "listers"
rm -rf pkg/generated/listers
go tool lister-gen --go-header-file "${BOILERPLATE}" \
  --output-dir pkg/generated/listers --output-pkg "${OUT_PKG}/listers" "${plurals[@]}" "${client_pkgs[@]}"

echo "informers"
rm -rf pkg/generated/informers
go tool informer-gen --go-header-file "${BOILERPLATE}" \
  --output-dir pkg/generated/informers --output-pkg "${OUT_PKG}/informers" \
  --versioned-clientset-package "${OUT_PKG}/clientset/versioned" \
  --listers-package "${OUT_PKG}/listers" "${plurals[@]}" "${client_pkgs[@]}"
