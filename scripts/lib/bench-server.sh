# What every benchmark script does to stand a throwaway Carneau up: build in release (or
# dev), a fresh database, an organiser account, one or more `carneau serve` nodes, and a
# cleanup that stops them and drops everything. Source it from the repository root.
#
#   bench_build <bin>...            cargo build of carneau and the named bench binaries;
#                                   sets carneau and bench_bin_dir (BENCH_TOOLS: another
#                                   directory of bench binaries, e.g. a base commit's)
#   bench_prepare                   fresh database, organiser account, cleanup on exit;
#                                   sets organiser_email / organiser_password
#   bench_start_nodes <n>           n nodes on 127.0.0.1:18080.., metrics on :19080..;
#                                   sets node_urls, metrics_urls, server_pids
#   bench_cost_args                 flash-sale's --server-pid/--postgres-pid/--redis-pid/
#                                   --metrics-url for the nodes started, in cost_args
#
# Settings: NODE_WORKERS (each node's Tokio worker threads; default one per core),
# BENCH_PROFILE (release, or dev for a smoke run), BENCH_CARNEAU (the path of
# another carneau binary to serve with, e.g. a base commit's), BENCH_TOOLS (the directory
# of another build's load generators, flash-sale and read-rush), BENCH_POSTGRES_URL, POOLER
# (pgbouncer: requests through a local PgBouncer in transaction mode), and any CARNEAU_*
# or REDIS_URL variable, which reaches the server as is.

# Co-located with PostgreSQL, the nodes reach it as such a deployment would: over its Unix
# socket when there is one, without TCP and without the TLS that PostgreSQL offers (and
# the client takes) on 127.0.0.1. BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432
# measures over loopback TCP, as the figures before 2026-12-03 (session 8) were.
postgres_socket_dir=/var/run/postgresql
if [ -S "$postgres_socket_dir/.s.PGSQL.5432" ]; then
  default_postgres_server="postgres://postgres@${postgres_socket_dir//\//%2F}"
else
  default_postgres_server="postgres://postgres@127.0.0.1:5432"
fi
postgres_server="${BENCH_POSTGRES_URL:-$default_postgres_server}"
bench_database=carneau_bench
target_dir="${CARGO_TARGET_DIR:-target}"
bench_work_dir="$target_dir/${BENCH_NAME:-bench}"
redis_prefix="carneau-bench-$$-$(date +%s):"
server_pids=()
node_urls=()
metrics_urls=()
bench_cleanups=()

psql_admin() { PGOPTIONS="--client-min-messages=warning" psql "$postgres_server/postgres" -v ON_ERROR_STOP=1 -q "$@"; }

bench_build() {
  local profile="${BENCH_PROFILE:-release}" profile_dir
  case "$profile" in
    release) profile_dir=release ;;
    dev) profile_dir=debug ;;
    *) echo "error: BENCH_PROFILE must be release or dev" >&2; exit 1 ;;
  esac
  local packages=(-p carneau-api --bin carneau -p carneau-bench)
  for bin in "$@"; do packages+=(--bin "$bin"); done
  echo "== building carneau and $* ($profile)" >&2
  cargo build --profile "$profile" --locked "${packages[@]}"
  bench_bin_dir="$(cd "$target_dir/$profile_dir" && pwd)"
  carneau="$bench_bin_dir/carneau"
  if [ -n "${BENCH_CARNEAU:-}" ]; then
    # Another build of the server (a base commit's, say) under this harness, so that
    # base and change are measured by the same load generator and the same counters.
    carneau="$(cd "$(dirname "$BENCH_CARNEAU")" && pwd)/$(basename "$BENCH_CARNEAU")"
    echo "== serving with $carneau" >&2
  fi
  if [ -n "${BENCH_TOOLS:-}" ]; then
    # Another build of the load generators (a base commit's, say), so that two generators
    # are compared against the same server under the same harness.
    bench_bin_dir="$(cd "$BENCH_TOOLS" && pwd)"
    echo "== load generators from $bench_bin_dir" >&2
  fi
}

bench_cleanup() {
  for step in "${bench_cleanups[@]}"; do eval "$step" || true; done
  for server_pid in "${server_pids[@]}"; do
    kill -TERM "$server_pid" 2>/dev/null || true
  done
  for server_pid in "${server_pids[@]}"; do
    for _ in $(seq 1 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  done
  if [ -n "${PGBOUNCER_DIR:-}" ]; then pgbouncer_stop; fi
  psql_admin -c "DROP DATABASE IF EXISTS $bench_database WITH (FORCE)" || true
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "${redis_prefix}*" \
    | xargs -r redis-cli -h 127.0.0.1 -p 6379 del >/dev/null 2>&1 || true
}

bench_prepare() {
  scripts/services
  mkdir -p "$bench_work_dir"
  bench_work_dir="$(cd "$bench_work_dir" && pwd)"
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:18080/healthz"; then
    echo "error: something already listens on 127.0.0.1:18080; stop it first" >&2
    exit 1
  fi
  # The server and the load generator hold one socket per request in flight.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  trap bench_cleanup EXIT

  echo "== fresh database $bench_database" >&2
  psql_admin -c "DROP DATABASE IF EXISTS $bench_database WITH (FORCE)" \
    -c "CREATE DATABASE $bench_database"

  organiser_email="bench-organiser@carneau.test"
  organiser_password="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
  echo "== organiser account $organiser_email" >&2
  (
    cd "$bench_work_dir"
    DATABASE_URL="$postgres_server/$bench_database" \
      CARNEAU_REDIS_PREFIX="$redis_prefix" \
      CARNEAU_NEW_ACCOUNT_PASSWORD="$organiser_password" \
      RUST_LOG=warn \
      "$carneau" accounts create --email "$organiser_email" --name "Benchmark organiser" --role organiser
  ) >/dev/null
  export CARNEAU_BENCH_ORGANISER_EMAIL="$organiser_email"
  export CARNEAU_BENCH_ORGANISER_PASSWORD="$organiser_password"
}

bench_start_nodes() {
  local nodes="$1"
  if ! [[ "$nodes" =~ ^[1-9][0-9]?$ ]]; then
    echo "error: NODES must be 1 to 99" >&2
    exit 1
  fi
  local request_database_url="$postgres_server/$bench_database"
  local session_settings=()
  if [ "${POOLER:-}" = pgbouncer ]; then
    source scripts/lib/pgbouncer.sh
    pgbouncer_start
    request_database_url="${POOLER_URL%/*}/$bench_database"
    session_settings=(CARNEAU_DATABASE_SESSION_URL="$postgres_server/$bench_database")
    echo "== requests through PgBouncer at ${POOLER_URL%/*}" >&2
  elif [ -n "${POOLER:-}" ]; then
    echo "error: POOLER must be pgbouncer or unset" >&2
    exit 1
  fi
  for i in $(seq 0 $((nodes - 1))); do
    local node_bind="127.0.0.1:$((18080 + i))"
    local node_log="$bench_work_dir/carneau-$i.log"
    node_urls+=("http://$node_bind")
    metrics_urls+=("http://127.0.0.1:$((19080 + i))/metrics")
    echo "== starting carneau on $node_bind (log: $node_log)" >&2
    # Started from the work directory so that a developer's .env is not read: the server
    # sees exactly this environment.
    (
      cd "$bench_work_dir"
      env DATABASE_URL="$request_database_url" "${session_settings[@]}" \
        ${NODE_WORKERS:+TOKIO_WORKER_THREADS="$NODE_WORKERS"} \
        CARNEAU_BIND="$node_bind" \
        CARNEAU_METRICS_ADDR="127.0.0.1:$((19080 + i))" \
        CARNEAU_REDIS_PREFIX="$redis_prefix" \
        RUST_LOG=warn \
        "$carneau" serve
    ) >"$node_log" 2>&1 &
    server_pids+=($!)
    local ready=""
    for _ in $(seq 1 300); do
      if ! kill -0 "${server_pids[$i]}" 2>/dev/null; then
        echo "error: carneau exited during start-up; its log:" >&2
        tail -n 40 "$node_log" >&2
        exit 1
      fi
      if curl -fsS -o /dev/null --max-time 2 "http://$node_bind/readyz" 2>/dev/null; then
        ready=yes
        break
      fi
      sleep 0.2
    done
    if [ -z "$ready" ]; then
      echo "error: carneau is not ready after 60 s; its log:" >&2
      tail -n 40 "$node_log" >&2
      exit 1
    fi
  done
}

# flash-sale reads /proc for the servers, PostgreSQL's postmaster (with every backend)
# and Redis, when they run on this machine, and each node's metrics listener.
bench_cost_args() {
  local postgres_pid redis_pid
  postgres_pid="$(head -n 1 "$(psql_admin -At -c 'SHOW data_directory')/postmaster.pid" 2>/dev/null || true)"
  redis_pid="$(redis-cli -h 127.0.0.1 -p 6379 info server 2>/dev/null | tr -d '\r' | awk -F: '/^process_id:/ { print $2 }')"
  cost_args=(--server-pid "$(IFS=,; echo "${server_pids[*]}")" --metrics-url "$(IFS=,; echo "${metrics_urls[*]}")")
  if [ -n "$postgres_pid" ]; then cost_args+=(--postgres-pid "$postgres_pid"); fi
  if [ -n "$redis_pid" ]; then cost_args+=(--redis-pid "$redis_pid"); fi
}
