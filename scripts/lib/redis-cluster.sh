# A local Redis Cluster of three masters (redis-server in cluster mode on three free
# ports, nothing kept on disk), for the tests that prove the guard runs on a cluster.
# Source it; redis_cluster_start sets REDIS_CLUSTER_URL, redis_cluster_stop ends it.

# The first port from $1 on where nothing listens, nor on its cluster bus port (+10000).
redis_cluster_free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
    (exec 3<>"/dev/tcp/127.0.0.1/$((port + 10000))") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}

redis_cluster_start() {
  REDIS_CLUSTER_DIR=$(mktemp -d /tmp/carneau-redis-cluster.XXXXXX)
  REDIS_CLUSTER_PORTS=()
  local port=7101
  for _ in 1 2 3; do
    port=$(redis_cluster_free_port "$port")
    mkdir -p "$REDIS_CLUSTER_DIR/$port"
    (cd "$REDIS_CLUSTER_DIR/$port" && redis-server --port "$port" --bind 127.0.0.1 \
      --cluster-enabled yes --cluster-config-file nodes.conf --save "" --appendonly no \
      --daemonize yes --pidfile "$REDIS_CLUSTER_DIR/$port/redis.pid" --logfile redis.log)
    REDIS_CLUSTER_PORTS+=("$port")
    port=$((port + 1))
  done
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  done
  redis-cli --cluster create "${REDIS_CLUSTER_PORTS[@]/#/127.0.0.1:}" \
    --cluster-replicas 0 --cluster-yes >/dev/null
  until [ "$(redis-cli -p "${REDIS_CLUSTER_PORTS[0]}" cluster info | tr -d '\r' | grep cluster_state)" = "cluster_state:ok" ]; do
    sleep 0.1
  done
  REDIS_CLUSTER_URL="redis-cluster://127.0.0.1:${REDIS_CLUSTER_PORTS[0]}?node=127.0.0.1:${REDIS_CLUSTER_PORTS[1]}&node=127.0.0.1:${REDIS_CLUSTER_PORTS[2]}"
  export REDIS_CLUSTER_URL
}

redis_cluster_stop() {
  [ -n "${REDIS_CLUSTER_DIR:-}" ] || return 0
  for port in "${REDIS_CLUSTER_PORTS[@]}"; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  rm -rf "$REDIS_CLUSTER_DIR"
  REDIS_CLUSTER_DIR=
}
