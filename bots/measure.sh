#!/usr/bin/env bash
# Measures a fresh `ggs serve` with a pong bot swarm: the commands behind the figures in
# docs/bot-swarm.md. Usage: bots/measure.sh BOTS RAMP_S DURATION_S [more bot-swarm flags]
# BOTS may be a list, N,N,...: a sweep (`ggs bot-swarm --sweep`), one run per count against
# the same server. Writes /tmp/ggs-measure-BOTS.{json,html,txt}. Run from the repository root after a build;
# BUILD (default build) names the build directory, GAMES (default games) the games the
# server installs, SERVE_FLAGS adds flags to ggs serve.
set -euo pipefail
bots=${1:?bots} ramp=${2:?ramp seconds} duration=${3:?duration seconds}
shift 3
build=${BUILD:-build}
port=${PORT:-9500}
out=/tmp/ggs-measure-$bots
db=$(mktemp -d)/ggs.db
ulimit -n "$(ulimit -Hn)"
# Every bot connects from 127.0.0.1: lift the per-address limit meant for strangers.
"$build/ggs" serve --listen "127.0.0.1:$port" --http off --db "$db" --games "${GAMES:-games}" --log-level warn \
  --max-connections-per-ip 0 ${SERVE_FLAGS:-} &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$(dirname "$db")"' EXIT
sleep 1
set -x
count_flag=--bots
[[ "$bots" == *,* ]] && count_flag=--sweep
"$build/ggs" bot-swarm --server "127.0.0.1:$port" --game pong "$count_flag" "$bots" --ramp "$ramp" \
  --duration "$duration" --server-pid "$server" --json "$out.json" --report "$out.html" \
  --quiet "$@" | tee "$out.txt"
