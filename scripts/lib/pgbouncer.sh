# A local PgBouncer in transaction mode in front of the test PostgreSQL server (every
# database name passed through), for the tests that prove request traffic works through
# one. Debian 12 ships PgBouncer 1.18, which cannot carry prepared statements in
# transaction mode (sqlx prepares every query); 1.21 can, so Debian 13's 1.24.1 source is
# built once into a cache (about a minute) and reused.
# Source it; pgbouncer_start sets POOLER_URL, pgbouncer_stop ends it.

PGBOUNCER_VERSION=1.24.1
PGBOUNCER_SHA256=da72a3aba13072876d055a3e58dd4aba4a5de4ed6148e73033185245598fd3e0
PGBOUNCER_SOURCE="http://deb.debian.org/debian/pool/main/p/pgbouncer/pgbouncer_${PGBOUNCER_VERSION}.orig.tar.gz"
PGBOUNCER_HOME="${XDG_CACHE_HOME:-$HOME/.cache}/carneau/pgbouncer-${PGBOUNCER_VERSION}"

pgbouncer_install() {
  [ -x "$PGBOUNCER_HOME/bin/pgbouncer" ] && return 0
  echo "building PgBouncer $PGBOUNCER_VERSION into $PGBOUNCER_HOME" >&2
  if ! dpkg -s libevent-dev >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends libevent-dev pkg-config >&2 ||
      { apt-get update >&2 && apt-get install -y --no-install-recommends libevent-dev pkg-config >&2; }
  fi
  local build
  build=$(mktemp -d /tmp/carneau-pgbouncer-build.XXXXXX)
  curl -sSfL "$PGBOUNCER_SOURCE" -o "$build/source.tar.gz"
  echo "$PGBOUNCER_SHA256  $build/source.tar.gz" | sha256sum --check --quiet
  tar -xzf "$build/source.tar.gz" -C "$build"
  (cd "$build/pgbouncer-$PGBOUNCER_VERSION" &&
    ./configure --prefix="$PGBOUNCER_HOME" --without-cares --without-systemd --without-openssl >/dev/null &&
    make -j2 >/dev/null && make install >/dev/null)
  rm -rf "$build"
}

# The first port from $1 on where nothing listens.
pgbouncer_free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

pgbouncer_start() {
  pgbouncer_install
  PGBOUNCER_DIR=$(mktemp -d /tmp/carneau-pgbouncer.XXXXXX)
  local port
  port=$(pgbouncer_free_port 6432)
  echo '"postgres" ""' >"$PGBOUNCER_DIR/users.txt"
  # max_prepared_statements lets sqlx's named statements follow a client from one server
  # connection to the next; a test database gets at most 20 server connections, so two
  # tests at a time stay well below the server's max_connections.
  cat >"$PGBOUNCER_DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
admin_users = postgres
auth_file = $PGBOUNCER_DIR/users.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
max_db_connections = 20
max_prepared_statements = 500
server_lifetime = 600
stats_period = 1
logfile = $PGBOUNCER_DIR/pgbouncer.log
pidfile = $PGBOUNCER_DIR/pgbouncer.pid
INI
  # PgBouncer refuses to run as root: then it runs as postgres, from a copy of the
  # binary that user can reach (root's cache is not readable to it).
  cp "$PGBOUNCER_HOME/bin/pgbouncer" "$PGBOUNCER_DIR/pgbouncer"
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$PGBOUNCER_DIR"
    runuser -u postgres -- "$PGBOUNCER_DIR/pgbouncer" -d "$PGBOUNCER_DIR/pgbouncer.ini"
  else
    "$PGBOUNCER_DIR/pgbouncer" -d "$PGBOUNCER_DIR/pgbouncer.ini"
  fi
  local tries=0
  until psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "PgBouncer did not answer on port $port:" >&2
      cat "$PGBOUNCER_DIR/pgbouncer.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  POOLER_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export POOLER_URL
}

pgbouncer_stop() {
  [ -n "${PGBOUNCER_DIR:-}" ] || return 0
  if [ -f "$PGBOUNCER_DIR/pgbouncer.pid" ]; then
    kill "$(cat "$PGBOUNCER_DIR/pgbouncer.pid")" 2>/dev/null || true
  fi
  rm -rf "$PGBOUNCER_DIR"
  PGBOUNCER_DIR=
}
