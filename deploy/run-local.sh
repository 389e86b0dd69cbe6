#!/bin/sh
# Three Chinwag nodes on one PostgreSQL database behind HAProxy, on this machine.
#
#   deploy/run-local.sh postgres://chinwag@localhost/chinwag
#
# Clients connect to ws://127.0.0.1:8080/ws. Ctrl-C stops everything. Needs a release build
# (`cargo build --release -p chinwag-server`) and `haproxy` on PATH.
set -eu
url=${1:-${DATABASE_URL:?usage: $0 postgres://user@host/dbname}}
here=$(dirname "$0")
server=${CHINWAG_SERVER:-$here/../target/release/chinwag-server}
pids=""
trap 'kill $pids 2>/dev/null; exit' INT TERM EXIT
for n in 1 2 3; do
    # Every client comes through HAProxy's address: the per-address caps count all together.
    "$server" --bind "127.0.0.1:910$n" --db "$url" \
        --max-connections-per-ip 10000 --identities-per-hour 0 &
    pids="$pids $!"
done
haproxy -f "$here/haproxy.cfg" &
pids="$pids $!"
echo "chinwag: three nodes behind ws://127.0.0.1:8080/ws"
wait
