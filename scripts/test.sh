#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs the optional native libraries (intel-ipsec-mb,
# OpenSSL) and test tools when it can, builds the native shim, then runs every module's tests.
# Without the libraries the tests still pass on the JDK backend and say what they skipped.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"

PKGS="libipsec-mb-dev libssl-dev tshark chromium"
missing=""
for p in $PKGS; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test.sh: installing$missing"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null 2>&1 \
      || echo "test.sh: could not install$missing; the tests that need them will be skipped"
  else
    echo "test.sh: missing$missing and cannot install (not root); the tests that need them will be skipped"
  fi
fi
if [ -f native-shim/build.sh ]; then
  bash native-shim/build.sh || echo "test.sh: native shim did not build; shim backends will be skipped"
fi
set -e
mvn -B -ntp verify "$@"
