#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (fuzz/fuzz_targets/*.rs) for a bounded time each,
# with cargo-fuzz (libFuzzer) on the nightly toolchain, and prints a summary per target:
# executions, coverage gained, inputs added to the corpus, crashes.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
#   SECONDS   time per target, default 10 (a smoke run; `scripts/fuzz.sh 300` by hand)
#   TARGET    only these targets (default: all, see `cargo +nightly fuzz list` in fuzz/)
#
# Environment:
#   FUZZ_RSS_MB=2048      memory limit per target (libFuzzer -rss_limit_mb; also the
#                         largest single allocation): going over it is a crash (oom-*)
#   FUZZ_TIMEOUT=10       seconds one input may take: longer is a crash (timeout-*)
#   FUZZ_SANITIZER=address  cargo-fuzz sanitizer (address, none, ...); `none` builds and
#                         runs faster and still catches panics, hangs and memory blow-ups
#   FUZZ_NICE=0           nice level of the build and the runs
#   FUZZ_BUILD=release    release (cargo-fuzz's default: optimised, debug assertions) or
#                         dev (unoptimised: builds in about 2 minutes instead of 14, runs
#                         slower; what scripts/test.sh's short smoke run uses)
#
# Exits non-zero when a target crashed (panic, hang, out of memory, sanitizer report) or
# failed to run. Reproducers land in fuzz/artifacts/TARGET/ (crash-*, timeout-*, oom-*);
# replay one with `cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-...`.
# Inputs that reach new code are added to fuzz/corpus/TARGET/ next to the tracked seed-*
# files (fuzz/.gitignore keeps them out of git); logs are in fuzz/target/fuzz-logs/.
#
# Installs what it needs when missing: the nightly toolchain (rustup) and cargo-fuzz
# (crates.io). Builds in fuzz/target, never in the main workspace's target/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export PATH="$HOME/.cargo/bin:$PATH"
# Built by nightly alone: scripts/test.sh's clippy wrapper (scripts/lint-while-building.sh)
# is the stable toolchain's, and would compile the workspace's crates with another rustc.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS

CARGO_FUZZ_VERSION=0.13.2
seconds="${1:-10}"
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz: SECONDS must be a positive whole number, not \"$seconds\" (see the top of $0)" >&2
  exit 2
fi
shift || true
rss_mb="${FUZZ_RSS_MB:-2048}"
timeout_s="${FUZZ_TIMEOUT:-10}"
sanitizer="${FUZZ_SANITIZER:-address}"
nice_level="${FUZZ_NICE:-0}"
profile=()
case "${FUZZ_BUILD:-release}" in
  release) ;;
  dev) profile=(--dev) ;;
  *)
    echo "fuzz: FUZZ_BUILD must be release or dev, not \"${FUZZ_BUILD}\"" >&2
    exit 2
    ;;
esac

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: installing the nightly toolchain (rustup)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz $CARGO_FUZZ_VERSION (crates.io)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

mapfile -t all < <(cargo +nightly fuzz list)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  if ! printf '%s\n' "${all[@]}" | grep -qx -- "$t"; then
    echo "fuzz: no target $t; the targets are: ${all[*]}" >&2
    exit 2
  fi
done

logs=target/fuzz-logs
mkdir -p "$logs"
: >"$logs/build.log"
start=$SECONDS
echo "==> building (${FUZZ_BUILD:-release}, sanitizer: $sanitizer; log: fuzz/$logs/build.log)"
# `cargo fuzz build` with no target builds them all (one dependency build for all).
build=()
[ ${#targets[@]} -eq ${#all[@]} ] || build=("${targets[@]}")
if [ ${#build[@]} -eq 0 ]; then build=(""); fi
for t in "${build[@]}"; do
  if ! nice -n "$nice_level" cargo +nightly fuzz build "${profile[@]}" --sanitizer "$sanitizer" ${t:+"$t"} \
    >>"$logs/build.log" 2>&1; then
    tail -n 40 "$logs/build.log" >&2
    echo "fuzz: the build failed (${t:-all targets}); see fuzz/$logs/build.log" >&2
    exit 1
  fi
done
echo "    built in $((SECONDS - start)) s"
failed=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$logs/$t.log"
  echo "==> $t: ${seconds} s"
  before=$(find "artifacts/$t" -type f | sort)
  status=0
  # -max_total_time bounds the run; -timeout one input; -rss_limit_mb the memory (and,
  # through -malloc_limit_mb's default, the largest allocation). Leak reports are off:
  # the targets keep a server, a folder and caches in statics on purpose, and memory that
  # grows without bound is caught by the RSS limit.
  nice -n "$nice_level" cargo +nightly fuzz run "${profile[@]}" --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
    -detect_leaks=0 -print_final_stats=1 >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || true)
  added=$(grep -o 'stat::new_units_added: *[0-9]*' "$log" | tail -n1 | grep -o '[0-9]*$' || true)
  cov0=$(grep -o 'INITED cov: [0-9]*' "$log" | head -n1 | grep -o '[0-9]*$' || true)
  cov1=$(grep -o '^#[0-9]*.*cov: [0-9]*' "$log" | tail -n1 | grep -o 'cov: [0-9]*' | grep -o '[0-9]*$' || true)
  new_artifacts=$(comm -13 <(printf '%s\n' "$before") <(find "artifacts/$t" -type f | sort) | sed '/^$/d')
  crashes=$(printf '%s' "$new_artifacts" | grep -c . || true)
  if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes="?"
  fi
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "    FAILED (exit $status); the end of fuzz/$log:"
    tail -n 30 "$log" | sed 's/^/    | /'
    [ -z "$new_artifacts" ] || printf '%s\n' "$new_artifacts" | sed 's/^/    artifact: fuzz\//'
  fi
  summary+=("$(printf '%-16s %10s %8s %11s %6s %8s' "$t" "${runs:-?}" "${cov1:-?}" \
    "+$(( ${cov1:-0} - ${cov0:-0} ))" "${added:-?}" "$crashes")")
done

echo
echo "==> summary: ${seconds} s per target, sanitizer $sanitizer, total $((SECONDS - start)) s"
printf '%-16s %10s %8s %11s %6s %8s\n' target runs cov "new cov" added crashes
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
  echo "fuzz: crash(es) found; reproducers in fuzz/artifacts/ (see above)" >&2
  exit 1
fi
