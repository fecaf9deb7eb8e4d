#!/usr/bin/env bash
# Installs Debian's prometheus (and promtool). It does not start a server on
# `up`: tests start their own instance with their own scrape config, either
# from Go (internal/testenv.Prometheus) or with `run`:
#
#   deploy/local/prometheus.sh up                          install if missing
#   deploy/local/prometheus.sh run CONFIG PORT DATADIR     start in background on 127.0.0.1:PORT,
#                                                          pid file DATADIR/prometheus.pid, log DATADIR/prometheus.log
#   deploy/local/prometheus.sh stop DATADIR                stop the instance `run` started there
#   deploy/local/prometheus.sh down                        stop every instance `run` started under the scratch dir
#   deploy/local/prometheus.sh status                      installed versions
set -euo pipefail
SERVICE_NAME=prometheus
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

P_RUNS="$SOCWATCH_SCRATCH/prometheus"

cmd_up() {
	apt_install prometheus
	command -v promtool >/dev/null || die "promtool missing after installing prometheus"
	log "installed: $(prometheus --version 2>&1 | head -n1)"
}

cmd_run() {
	local config=${1:?usage: $0 run CONFIG PORT DATADIR} port=${2:?usage: $0 run CONFIG PORT DATADIR} datadir=${3:?usage: $0 run CONFIG PORT DATADIR}
	command -v prometheus >/dev/null || die "prometheus not installed; run $0 up"
	[ -r "$config" ] || die "config $config not readable"
	promtool check config "$config" >&2 || die "promtool rejected $config"
	mkdir -p "$datadir" "$P_RUNS"
	datadir=$(cd "$datadir" && pwd)
	config=$(cd "$(dirname "$config")" && pwd)/$(basename "$config")
	local pidfile="$datadir/prometheus.pid" logfile="$datadir/prometheus.log"
	if pid_running "$pidfile" "$datadir"; then
		log "already running in $datadir (pid $(cat "$pidfile"))"
		return 0
	fi
	tcp_open 127.0.0.1 "$port" && die "port $port is taken"
	setsid prometheus --config.file="$config" --web.listen-address="127.0.0.1:$port" \
		--storage.tsdb.path="$datadir" --web.enable-lifecycle </dev/null >"$logfile" 2>&1 &
	echo $! >"$pidfile"
	# Remember the run so `down` can find it.
	echo "$datadir" >>"$P_RUNS/runs"
	WAIT_PIDFILE=$pidfile WAIT_MARKER=$datadir \
		wait_until 30 "$logfile" "prometheus" curl -fsS "http://127.0.0.1:$port/-/ready" ||
		die "prometheus on port $port did not become ready"
	log "ready on http://127.0.0.1:$port (pid $(cat "$pidfile"))"
}

cmd_stop() {
	local datadir=${1:?usage: $0 stop DATADIR}
	stop_pid "$datadir/prometheus.pid" "$datadir" 20
}

cmd_down() {
	[ -f "$P_RUNS/runs" ] || return 0
	local datadir
	sort -u "$P_RUNS/runs" | while read -r datadir; do
		[ -n "$datadir" ] && stop_pid "$datadir/prometheus.pid" "$datadir" 20
	done
	rm -f "$P_RUNS/runs"
}

cmd_status() {
	if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
		log "installed: $(prometheus --version 2>&1 | head -n1)"
		return 0
	fi
	log "not installed"
	return 1
}

case "${1:-}" in
up) cmd_up ;;
run) shift && cmd_run "$@" ;;
stop) shift && cmd_stop "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: $0 up|down|status|run CONFIG PORT DATADIR|stop DATADIR" >&2
	exit 2
	;;
esac
