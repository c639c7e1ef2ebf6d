# A flame graph of the whole machine during a benchmark's rush: `perf record -a -g`
# (every process: carneau, PostgreSQL's backends, Redis, the load generator), folded and
# drawn by inferno (installed once into a cache). Source it, then:
#
#   profile_prepare         before building: frame pointers and line tables in the build
#                           (a target directory of its own, so normal builds stay as they
#                           are), inferno installed
#   profile_start <dir>     starts recording into <dir>/perf.data
#   profile_finish <title>  stops, writes <dir>/flamegraph.svg and <dir>/folded.txt
#
# perf needs root or kernel.perf_event_paranoid <= 1; Debian's package is linux-perf.

INFERNO_VERSION=0.12.8
INFERNO_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/carneau/inferno"

profile_prepare() {
  if ! command -v perf >/dev/null 2>&1; then
    echo "error: perf is not installed (apt-get install linux-perf)" >&2
    exit 1
  fi
  if [ ! -x "$INFERNO_HOME/bin/inferno-flamegraph" ]; then
    echo "== installing inferno $INFERNO_VERSION into $INFERNO_HOME" >&2
    cargo install --locked inferno --version "$INFERNO_VERSION" --root "$INFERNO_HOME" >&2
  fi
  export RUSTFLAGS="${RUSTFLAGS:-} -C force-frame-pointers=yes"
  export CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/profiling"
}

profile_start() {
  profile_dir="$1"
  echo "== recording a profile of the machine (perf, 499 Hz)" >&2
  perf record -F 499 -a -g -o "$profile_dir/perf.data" >"$profile_dir/perf.log" 2>&1 &
  profile_pid=$!
  sleep 1
}

profile_finish() {
  local title="$1"
  kill -INT "$profile_pid" 2>/dev/null || true
  wait "$profile_pid" 2>/dev/null || true
  perf script -i "$profile_dir/perf.data" 2>/dev/null \
    | "$INFERNO_HOME/bin/inferno-collapse-perf" --all >"$profile_dir/folded.txt"
  "$INFERNO_HOME/bin/inferno-flamegraph" --title "$title" --width 1600 \
    <"$profile_dir/folded.txt" >"$profile_dir/flamegraph.svg"
  echo "flame graph: $profile_dir/flamegraph.svg (folded stacks: $profile_dir/folded.txt)"
}
