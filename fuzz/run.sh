#!/usr/bin/env bash
# Run the atheris target for a bounded time, going on after a crash (libFuzzer
# stops at the first one, and its -fork mode cannot re-run a Python script).
#
#   fuzz/run.sh [SECONDS] [PYTHON]      # default: 1800 s, the python on PATH
#
# Interesting inputs collect in $MAILLINT_FUZZ_CORPUS (default
# /tmp/maillint-fuzz-corpus, outside the repository); crashing inputs in
# fuzz/artifacts/ (ignored by git): copy each to tests/data/regressions/ once
# fixed. The shared corpus of real mail seeds the run when it is present.
set -uo pipefail
cd "$(dirname "$0")/.."
total="${1:-1800}"
python="${2:-python}"
corpus="${MAILLINT_FUZZ_CORPUS:-/tmp/maillint-fuzz-corpus}"
seeds=(fuzz/seeds)
[ -d /work/shared/corpus ] && seeds+=(/work/shared/corpus)
mkdir -p "$corpus" fuzz/artifacts
rm -f fuzz/artifacts/run-*.log
start=$(date +%s)
runs=0
while :; do
  left=$((total - ($(date +%s) - start)))
  [ "$left" -gt 0 ] || break
  runs=$((runs + 1))
  "$python" fuzz/lint_fuzzer.py -max_total_time="$left" -timeout=10 -rss_limit_mb=3072 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix=fuzz/artifacts/ \
    "$corpus" "${seeds[@]}" >fuzz/artifacts/run-$runs.log 2>&1
  grep -E '^(==[0-9]+== ERROR|artifact_prefix|[A-Za-z]+Error)' fuzz/artifacts/run-$runs.log
done
executions=0
for log in fuzz/artifacts/run-*.log; do
  last=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  executions=$((executions + ${last:-0}))
done
crashes=$(find fuzz/artifacts -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' | wc -l)
echo "fuzzed for $(($(date +%s) - start)) s in $runs run(s), about $executions inputs; $crashes crashing inputs in fuzz/artifacts/"
