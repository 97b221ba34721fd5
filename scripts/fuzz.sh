#!/usr/bin/env bash
# Coverage-guided fuzzing of every Jazzer target in engine/, one JVM per target: in fuzzing mode
# Jazzer fuzzes the first @FuzzTest of a run and skips the others, so a single
# `JAZZER_FUZZ=1 mvn surefire:test@jazzer` fuzzes one target only. Each target runs for its
# @FuzzTest maxDuration; a finding is written next to the target's seeds
# (engine/src/test/resources/.../<Class>Inputs/<method>/crash-*), replayed by the default suite
# from then on, and fails this script. Usage: bash scripts/fuzz.sh [Class#method ...]
# A new target's class goes into engine/pom.xml's jazzer execution (and out of the default one),
# or it is reported "did not fuzz".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Class#method for every method annotated @FuzzTest
  while IFS= read -r f; do
    cls=$(basename "$f" .java)
    for m in $(awk '/^[ \t]*@FuzzTest/ {want = 1; next} want && /void [a-zA-Z0-9_]+\(/ {
                 match($0, /void [a-zA-Z0-9_]+\(/); print substr($0, RSTART + 5, RLENGTH - 6); want = 0 }' "$f"); do
      targets+=("$cls#$m")
    done
  done < <(grep -rlE '^[[:space:]]*@FuzzTest' engine/src/test/java | sort)
fi

bash native-shim/build.sh >/dev/null 2>&1 || true
mvn -B -q install -DskipTests >/dev/null 2>&1 || { echo "fuzz.sh: build failed (mvn -B install -DskipTests)"; exit 1; }
fail=0
for t in "${targets[@]}"; do
  log=$(mktemp "${TMPDIR:-/tmp}/fuzz.XXXXXX")
  (cd engine && JAZZER_FUZZ=1 mvn -B surefire:test@jazzer -Dtest="$t") >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | tail -1)
  if [ $rc -eq 0 ] && [ -n "$runs" ]; then
    echo "$t: ${runs/Done /}(s), no finding"
    rm -f "$log"
  elif [ $rc -eq 0 ]; then
    echo "$t: did not fuzz (log: $log)"
    fail=1
  else
    echo "$t: FINDING or failure: $(grep -m1 -o 'FuzzTestFindingException: .*' "$log" | cut -c1-300) (log: $log)"
    fail=1
  fi
done
exit $fail
