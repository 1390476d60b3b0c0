#!/usr/bin/env bash
# Builds the OpenTelemetry Collector used by chronoq's end-to-end tests with the
# OpenTelemetry Collector Builder, and caches the binary under $HOME/.cache keyed by
# the builder manifest (and the builder version), so it is built once per machine and
# rebuilt only when the manifest changes.
# Prints the path of the binary on its last line of stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BUILDER_VERSION="v0.159.0"
manifest="$here/collector/builder-config.yaml"
command -v go >/dev/null || { echo "collector: Go is not installed (needs Go >= 1.25 and the Go module proxy)" >&2; exit 3; }
key="$( (cat "$manifest"; echo "$BUILDER_VERSION"; go env GOVERSION) | sha256sum | cut -c1-16)"
cache="${CHRONOQ_CACHE_DIR:-$HOME/.cache/chronoq}/otelcol-$key"
bin="$cache/chronoq-otelcol"
if [[ -x "$bin" ]]; then
  echo "collector: cached $bin" >&2
  echo "$bin"
  exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The builder makes a temp dir (otelcol-distribution*) at every start, even with output_path
# set, and leaves it: in $work, it goes with the rest.
export TMPDIR="$work"
gobin="$(go env GOPATH)/bin"
if ! "$gobin/builder" version 2>/dev/null | grep -q "${BUILDER_VERSION#v}"; then
  echo "collector: installing builder $BUILDER_VERSION" >&2
  go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION" >&2
fi
sed "s#output_path: ./build#output_path: $work/build#" "$manifest" > "$work/manifest.yaml"
echo "collector: building into $cache (takes a few minutes once)" >&2
"$gobin/builder" --config "$work/manifest.yaml" >&2
mkdir -p "$cache"
cp "$work/build/chronoq-otelcol" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "$bin"
