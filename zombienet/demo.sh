#!/usr/bin/env bash
# Starts the 4-validator local network (zombienet/local.toml) with zombie-cli,
# waits until it finalizes blocks, prints where to connect, and keeps it
# running until Ctrl-C, which stops every node.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v gridveil-node >/dev/null || { echo "gridveil-node is not on PATH (run: make demo)" >&2; exit 1; }
command -v zombie-cli >/dev/null || { echo "zombie-cli is not on PATH (run: make demo)" >&2; exit 1; }

run_dir=$(mktemp -d -t gridveil-demo-XXXXXX)
log="$run_dir/zombienet.log"
# A network from an earlier run that was killed hard still holds the ports.
if curl -s -o /dev/null http://127.0.0.1:9944 2>/dev/null; then
	echo "something already listens on 127.0.0.1:9944: stop the earlier demo first" >&2
	exit 1
fi

setsid zombie-cli spawn --provider native --dir "$run_dir/network" zombienet/local.toml >"$log" 2>&1 &
zombie=$!
stop() {
	echo
	echo "stopping the network…"
	kill -TERM -- "-$zombie" 2>/dev/null || true
	wait "$zombie" 2>/dev/null || true
	pkill -f -- "$run_dir/network" 2>/dev/null || true
	echo "stopped; logs are in $run_dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

rpc() { # rpc PORT METHOD [PARAMS]
	curl -s -H 'Content-Type: application/json' \
		-d "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"params\":${3:-[]}}" "http://127.0.0.1:$1"
}
finalized_number() {
	local head header
	head=$(rpc 9944 chain_getFinalizedHead | grep -o '0x[0-9a-f]\{64\}' | head -n1) || return 1
	header=$(rpc 9944 chain_getHeader "[\"$head\"]")
	printf '%d\n' "$(grep -o '"number":"0x[0-9a-f]*"' <<<"$header" | grep -o '0x[0-9a-f]*')"
}

echo "spawning 4 validators (alice, bob, charlie, dave); zombienet log: $log"
started=$(date +%s)
until finalized=$(finalized_number 2>/dev/null) && [ "${finalized:-0}" -ge 2 ]; do
	if ! kill -0 "$zombie" 2>/dev/null; then
		echo "zombie-cli exited; last lines of its log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	if [ $(( $(date +%s) - started )) -gt 600 ]; then
		echo "no finalized block after 10 minutes; last lines of the log:" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	printf '\r  waiting for finality… %ss' $(( $(date +%s) - started ))
	sleep 2
done

cat <<INFO

GridVeil local network is up: blocks are finalized (#$finalized).

  node     RPC (WebSocket and HTTP)
  alice    ws://127.0.0.1:9944
  bob      ws://127.0.0.1:9945
  charlie  ws://127.0.0.1:9946
  dave     ws://127.0.0.1:9947

  polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944#/explorer

Network files and node logs: $run_dir/network
Press Ctrl-C to stop every node.
INFO

while kill -0 "$zombie" 2>/dev/null; do
	sleep 6
	if finalized=$(finalized_number 2>/dev/null); then
		printf '\r  finalized #%s ' "$finalized"
	fi
done
echo "zombie-cli exited; last lines of its log:" >&2
tail -n 40 "$log" >&2
exit 1
