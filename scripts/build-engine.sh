#!/usr/bin/env bash
# Build, cache and install the Pulumi engine Jockey runs on, from Go modules:
#   - the pulumi CLI, version-stamped;
#   - a Python language host (engine/pulumi-language-python) with the SDK's exec script
#     and the dynamic-provider helper;
#   - the Kubernetes resource provider plugin, installed under the cache's PULUMI_HOME.
# Everything lands in ${JOCKEY_ENGINE_CACHE:-~/.cache/jockey-engine}/pulumi-<v>_kubernetes-<v>/.
# Each piece has its own marker: the CLI and the provider (the slow builds) are keyed by
# version, the language host by a hash of its sources, so a second run returns at once and
# an edit to the host rebuilds only the host.
# Prints the toolchain directory on its last line of stdout.
set -euo pipefail

PULUMI_VERSION=3.274.1
K8S_VERSION=4.25.0
# The provider module is untagged; this is the newest commit the module proxy serves, the
# last commit before the sdk/v4.25.0 tag (see README "Engine").
K8S_PROVIDER_PSEUDO=v4.0.0-20260115033456-f47bc2d6f199

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host_src="$repo/engine/pulumi-language-python"
host_hash="$(cat "$host_src"/go.mod "$host_src"/go.sum "$host_src"/*.go | sha256sum | cut -c1-12)"
cache_root="${JOCKEY_ENGINE_CACHE:-$HOME/.cache/jockey-engine}"
key="pulumi-${PULUMI_VERSION}_kubernetes-${K8S_VERSION}"
dest="$cache_root/$key"
host_marker=".host-$host_hash"

if [[ -f "$dest/.complete" && -f "$dest/$host_marker" ]]; then
  echo "engine: cached at $dest" >&2
  echo "$dest"
  exit 0
fi

command -v go >/dev/null || { echo "engine: Go is required to build the Pulumi engine (https://go.dev/dl)" >&2; exit 1; }
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9   # one build at a time per cache
if [[ -f "$dest/.complete" && -f "$dest/$host_marker" ]]; then echo "$dest"; exit 0; fi

work="$cache_root/.work-$key"
rm -rf "$work"
mkdir -p "$work" "$dest/bin" "$dest/pulumi-home"
log="$work/build.log"
step_no=0
step() {  # step <title> <command...>: run with progress; on failure name the step and show the log
  step_no=$((step_no + 1))
  local title="$1"; shift
  local started=$SECONDS
  if [[ -n "${marker:-}" && -f "$dest/$marker" ]]; then
    printf 'engine [%d/6] %s: cached\n' "$step_no" "$title" >&2
    return 0
  fi
  printf 'engine [%d/6] %s ...\n' "$step_no" "$title" >&2
  if ! "$@" >>"$log" 2>&1; then
    printf 'engine: step %d failed: %s\n--- last lines of %s ---\n' "$step_no" "$title" "$log" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  printf 'engine [%d/6] %s done in %ds\n' "$step_no" "$title" $((SECONDS - started)) >&2
  if [[ -n "${marker:-}" ]]; then touch "$dest/$marker"; fi
}

export CGO_ENABLED=0 GONOSUMDB=github.com/pulumi/pulumi-kubernetes
download() {  # download <module@version> <dest-dir>: writable copy of a module's source
  local dir
  dir="$(cd "$work" && go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(d["Error"]) if "Error" in d else print(d["Dir"])')"
  mkdir -p "$2" && cp -r "$dir"/. "$2" && chmod -R u+w "$2"
}

fetch_sources() {
  download "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "$work/pulumi/pkg"
  download "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" "$work/pulumi/sdk"
  download "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_PSEUDO" "$work/kubernetes/provider"
  download "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_VERSION" "$work/kubernetes/sdk"
}

build_cli() {
  (cd "$work/pulumi/pkg" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$dest/bin/pulumi" ./cmd/pulumi)
}

build_language_host() {
  (cd "$host_src" && go build -trimpath -ldflags "-s -w -X main.version=$PULUMI_VERSION" \
    -o "$dest/bin/pulumi-language-python" .)
  install -m 0755 "$work/pulumi/sdk/python/cmd/pulumi-language-python-exec" "$dest/bin/"
  # The dynamic-provider plugin is the SDK's `pulumi.dynamic` module run by the program's Python.
  printf '#!/bin/sh\nexec "${PULUMI_PYTHON_CMD:-python3}" -u -m pulumi.dynamic "$@"\n' \
    >"$dest/bin/pulumi-resource-pulumi-python"
  chmod 0755 "$dest/bin/pulumi-resource-pulumi-python"
}

build_kubernetes() {
  # main embeds schema-embed.json and terraform-mapping-embed.json, generated first.
  (cd "$work/kubernetes/provider/cmd/pulumi-resource-kubernetes" && VERSION=$K8S_VERSION go run ./generate.go)
  (cd "$work/kubernetes/provider" && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=v$K8S_VERSION" \
    -o "$dest/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
}

install_kubernetes() {
  PULUMI_HOME="$dest/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true \
    "$dest/bin/pulumi" plugin install resource kubernetes "v$K8S_VERSION" \
    --file "$dest/pulumi-resource-kubernetes"
}

verify() {
  local printed
  printed="$("$dest/bin/pulumi" version)"
  [[ "$printed" == "v$PULUMI_VERSION" ]] || { echo "pulumi version printed '$printed', want v$PULUMI_VERSION"; return 1; }
  PULUMI_HOME="$dest/pulumi-home" "$dest/bin/pulumi" plugin ls | grep -E "kubernetes +resource +$K8S_VERSION"
}

echo "engine: building into $dest (log: $log); a fresh machine needs 10-25 minutes" >&2
marker="" step "fetch pulumi $PULUMI_VERSION and kubernetes provider sources" fetch_sources
marker=.built-cli step "build pulumi CLI v$PULUMI_VERSION" build_cli
rm -f "$dest"/.host-*
marker="$host_marker" step "build Python language host" build_language_host
marker=.built-kubernetes step "generate schema and build kubernetes provider v$K8S_VERSION" build_kubernetes
marker=.installed-kubernetes step "install kubernetes plugin" install_kubernetes
marker="" step "verify versions" verify

cat >"$dest/env.sh" <<ENV
# Source this to use Jockey's engine toolchain from a shell.
export PATH="$dest/bin:\$PATH"
export PULUMI_HOME="$dest/pulumi-home"
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_SKIP_UPDATE_CHECK=true
ENV
cp "$log" "$dest/build.log"
rm -f "$dest/pulumi-resource-kubernetes"  # installed into pulumi-home; the copy is not needed
rm -rf "$work"
touch "$dest/.complete"
echo "engine: ready at $dest" >&2
echo "$dest"
