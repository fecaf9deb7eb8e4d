# shellcheck shell=bash
# Shared helpers for the deploy/local service scripts. Sourced, not run.
#
# Every service keeps its config, data, logs and pid file under one scratch
# directory so that several clones on one machine do not step on each other
# and `down` can stop exactly the process that `up` started.

set -euo pipefail

SOCWATCH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SOCWATCH_SCRATCH="${SOCWATCH_SCRATCH:-$SOCWATCH_REPO/.scratch}"
mkdir -p "$SOCWATCH_SCRATCH"
SOCWATCH_SCRATCH="$(cd "$SOCWATCH_SCRATCH" && pwd)"

log() { printf '[%s] %s\n' "${SERVICE_NAME:-local}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# apt_install installs Debian packages that are missing. apt-get update runs
# only when the first attempt fails, because it is slow and usually not needed.
apt_install() {
	local missing=()
	local pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	local sudo=()
	[ "$(id -u)" -ne 0 ] && sudo=(sudo)
	log "installing ${missing[*]} with apt-get"
	if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}" >&2; then
		log "apt-get install failed; running apt-get update and retrying"
		"${sudo[@]}" apt-get update >&2
		DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y "${missing[@]}" >&2
	fi
}

# pid_running PIDFILE MARKER: true when the pid file names a live process whose
# command line contains MARKER (guards against a recycled pid).
pid_running() {
	local pidfile=$1 marker=$2 pid
	[ -s "$pidfile" ] || return 1
	pid=$(cat "$pidfile")
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"
}

# stop_pid PIDFILE MARKER [GRACE_SECONDS]: SIGTERM the recorded process, wait,
# SIGKILL after the grace period, then remove the pid file.
stop_pid() {
	local pidfile=$1 marker=$2 grace=${3:-20} pid i
	if ! pid_running "$pidfile" "$marker"; then
		rm -f "$pidfile"
		log "not running"
		return 0
	fi
	pid=$(cat "$pidfile")
	log "stopping pid $pid"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < grace * 10; i++)); do
		[ -d "/proc/$pid" ] || break
		# A zombie child of ours counts as stopped.
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
		log "pid $pid still alive after ${grace}s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			[ -d "/proc/$pid" ] || break
			sleep 0.1
		done
	fi
	rm -f "$pidfile"
}

# tcp_open HOST PORT: true when something accepts a TCP connection.
tcp_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_until TIMEOUT_SECONDS LOGFILE DESCRIPTION COMMAND...: poll COMMAND every
# 0.5 s; on timeout, print the log tail and fail.
wait_until() {
	local timeout=$1 logfile=$2 what=$3
	shift 3
	local deadline=$((SECONDS + timeout))
	while ((SECONDS < deadline)); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if [ -n "${WAIT_PIDFILE:-}" ] && ! pid_running "$WAIT_PIDFILE" "$WAIT_MARKER"; then
			log "$what: process exited during startup; last lines of $logfile:"
			tail -n 40 "$logfile" >&2 2>/dev/null || true
			return 1
		fi
		sleep 0.5
	done
	log "$what: not ready after ${timeout}s; last lines of $logfile:"
	tail -n 40 "$logfile" >&2 2>/dev/null || true
	return 1
}

# service_main runs the up|down|status|restart command of a service script
# that defines cmd_up, cmd_down and cmd_status.
service_main() {
	case "${1:-}" in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	restart) cmd_down && cmd_up ;;
	*)
		echo "usage: $0 up|down|status|restart" >&2
		exit 2
		;;
	esac
}
