#!/usr/bin/env bash
# Starts, stops or reports every local service the integration tests use:
# ClickHouse (127.0.0.1:9000/8123), Kafka (127.0.0.1:9092, SASL on 9094),
# Prometheus (installed only; tests start their own) and kcat.
#
# Usage: deploy/local/services.sh up|down|status
set -euo pipefail
SERVICE_NAME=services
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here="$SOCWATCH_REPO/deploy/local"

timed() {
	local start=$SECONDS
	"$@"
	log "$(basename "$1") ${*:2}: $((SECONDS - start))s"
}

case "${1:-}" in
up)
	timed apt_install kcat curl
	timed "$here/clickhouse.sh" up
	timed "$here/kafka.sh" up
	timed "$here/prometheus.sh" up
	timed "$here/chromium.sh" up
	;;
down)
	# Keep going when one fails so the others still stop.
	rc=0
	"$here/prometheus.sh" down || rc=1
	"$here/kafka.sh" down || rc=1
	"$here/clickhouse.sh" down || rc=1
	exit $rc
	;;
status)
	rc=0
	"$here/clickhouse.sh" status || rc=1
	"$here/kafka.sh" status || rc=1
	"$here/prometheus.sh" status || rc=1
	exit $rc
	;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
