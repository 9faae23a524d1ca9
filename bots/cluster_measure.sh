#!/usr/bin/env bash
# Measures a cluster of `ggs serve --cluster` nodes on one redis-server with a pong bot swarm
# spread over the nodes (`ggs bot-swarm --servers`): the commands behind the figures in
# docs/scaling.md. Usage:
#   bots/cluster_measure.sh NODES BOTS RAMP_S DURATION_S [KILL_AT_S] [more bot-swarm flags]
# With KILL_AT_S (not 0), the first node is killed with SIGKILL that many seconds after the
# swarm starts; the survivors' log lines about taking its tables over are printed with the
# kill's time, and the swarm reports how long its bots took to resume.
# Writes /tmp/ggs-cluster-NODES-BOTS.{json,txt}. Run from the repository root after a build;
# BUILD (default build) names the build directory, WORKERS (default: 2 for one node, else 1)
# the VM workers per node, LEASE_MS (default 3000) the lease, SERVE_FLAGS adds flags to every
# node. Redis runs with appendonly yes and appendfsync everysec, as in production.
set -euo pipefail
nodes=${1:?nodes} bots=${2:?bots} ramp=${3:?ramp seconds} duration=${4:?duration seconds}
kill_at=${5:-0}
shift $(($# < 5 ? $# : 5))
build=${BUILD:-build}
workers=${WORKERS:-$([ "$nodes" -eq 1 ] && echo 2 || echo 1)}
lease=${LEASE_MS:-3000}
out=/tmp/ggs-cluster-$nodes-$bots
dir=$(mktemp -d)
redis_port=${REDIS_PORT:-6390}
ulimit -n "$(ulimit -Hn)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --save "" \
  --appendonly yes --appendfsync everysec --logfile "$dir/redis.log" &
pids+=($!)
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
servers=""
for ((i = 0; i < nodes; i++)); do
  port=$((9600 + i))
  # Every bot connects from 127.0.0.1: lift the per-address limit meant for strangers.
  "$build/ggs" serve --listen "127.0.0.1:$port" --http off --cluster "redis://127.0.0.1:$redis_port" \
    --games games --workers "$workers" --lease-ms "$lease" --max-connections-per-ip 0 \
    --log-level info ${SERVE_FLAGS:-} 2>"$dir/node$i.log" &
  pids+=($!)
  servers+="${servers:+,}127.0.0.1:$port"
  sleep 0.5
done
victim=${pids[1]}
killer=""
if [ "$kill_at" != 0 ]; then
  (sleep "$kill_at" && kill -9 "$victim" && date -u +"killed node 0 at %H:%M:%S.%3N") &
  killer=$!
fi
set -x
"$build/ggs" bot-swarm --servers "$servers" --game pong --bots "$bots" --ramp "$ramp" \
  --duration "$duration" --json "$out.json" --quiet "$@" | tee "$out.txt"
set +x
[ -n "$killer" ] && wait "$killer"
grep -h "is dead: took over\|took back" "$dir"/node*.log || true
echo "redis: $(redis-cli -p "$redis_port" info commandstats | grep -E 'cmdstat_(exec|evalsha|eval|hset|mget|watch):' | tr '\n' ' ')"
