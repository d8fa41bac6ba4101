#!/usr/bin/env bash
# Starts a docker daemon for the deploy tests when none answers (CI, a fresh machine), and waits
# until it does. Host networking only: no bridge, no iptables rules, nothing routed off loopback.
# Prints the daemon's pid when it started one (the caller stops it), nothing otherwise.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  echo "dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
log=${DOCKERD_LOG:-/tmp/ocean-dockerd.log}
setsid dockerd --bridge=none --iptables=false --ip-masq=false >"$log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "$pid"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
echo "dockerd did not start; its log ($log) ends with:" >&2
tail -5 "$log" >&2
exit 1
