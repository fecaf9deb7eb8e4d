#!/usr/bin/env bash
# Runs Debian's clickhouse-server (18.16) as a plain background process with
# its own generated config, data and logs under the scratch directory, on
# 127.0.0.1 tcp 9000 / http 8123. Not via systemd: CI machines and containers
# have none, and tests need a server they fully own.
#
# Usage: deploy/local/clickhouse.sh up|down|status|restart
set -euo pipefail
SERVICE_NAME=clickhouse
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CH_DIR="$SOCWATCH_SCRATCH/clickhouse"
CH_PIDFILE="$CH_DIR/clickhouse.pid"
CH_LOG="$CH_DIR/log/clickhouse-server.log"
CH_STDOUT="$CH_DIR/log/stdout.log"
CH_TCP_PORT="${SOCWATCH_CLICKHOUSE_TCP_PORT:-9000}"
CH_HTTP_PORT="${SOCWATCH_CLICKHOUSE_HTTP_PORT:-8123}"
CH_MARKER="$CH_DIR/config.xml"
CH_START_TIMEOUT="${SOCWATCH_CLICKHOUSE_START_TIMEOUT:-60}"

write_config() {
	mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas" "$CH_DIR/log"
	# Derived from the 18.16 package's /etc/clickhouse-server/config.xml: the
	# <yandex> root element and these keys are what that release reads.
	# Caches are sized down from the package's 8 GiB / 5 GiB: this is a test server.
	cat >"$CH_DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$CH_DIR/log/clickhouse-server.log</log>
        <errorlog>$CH_DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>3</count>
    </logger>
    <http_port>$CH_HTTP_PORT</http_port>
    <tcp_port>$CH_TCP_PORT</tcp_port>
    <listen_host>127.0.0.1</listen_host>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$CH_DIR/data/</path>
    <tmp_path>$CH_DIR/tmp/</tmp_path>
    <user_files_path>$CH_DIR/user_files/</user_files_path>
    <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
    <users_config>$CH_DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
XML
	# LowCardinality is experimental in 18.16 and must be switched on per profile.
	cat >"$CH_DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
            <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
        </default>
        <readonly>
            <readonly>1</readonly>
        </readonly>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>::1</ip>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
XML
}

ch_ready() {
	clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" --query 'SELECT 1'
}

cmd_up() {
	apt_install clickhouse-server clickhouse-client
	if pid_running "$CH_PIDFILE" "$CH_MARKER"; then
		log "already running (pid $(cat "$CH_PIDFILE"))"
		return 0
	fi
	if tcp_open 127.0.0.1 "$CH_TCP_PORT"; then
		# Usually Debian's own service, started by the package where
		# policy-rc.d allows it: `service clickhouse-server stop` frees the port.
		die "port $CH_TCP_PORT is taken by another process (not started by $0; Debian's service? try 'service clickhouse-server stop'); stop it or set SOCWATCH_CLICKHOUSE_TCP_PORT/SOCWATCH_CLICKHOUSE_HTTP_PORT"
	fi
	write_config
	log "starting clickhouse-server (tcp $CH_TCP_PORT, http $CH_HTTP_PORT, dir $CH_DIR)"
	# setsid: the server outlives the shell that started it and gets no SIGHUP
	# from a closing terminal.
	setsid clickhouse-server --config-file="$CH_DIR/config.xml" </dev/null >"$CH_STDOUT" 2>&1 &
	echo $! >"$CH_PIDFILE"
	WAIT_PIDFILE=$CH_PIDFILE WAIT_MARKER=$CH_MARKER \
		wait_until "$CH_START_TIMEOUT" "$CH_LOG" "clickhouse" ch_ready ||
		{ tail -n 20 "$CH_STDOUT" >&2 || true; die "clickhouse-server did not become ready (logs in $CH_DIR/log)"; }
	log "ready: $(clickhouse-client --host 127.0.0.1 --port "$CH_TCP_PORT" --query 'SELECT version()') pid $(cat "$CH_PIDFILE")"
}

cmd_down() {
	stop_pid "$CH_PIDFILE" "$CH_MARKER" 30
}

cmd_status() {
	if pid_running "$CH_PIDFILE" "$CH_MARKER" && ch_ready >/dev/null 2>&1; then
		log "running (pid $(cat "$CH_PIDFILE")), tcp 127.0.0.1:$CH_TCP_PORT http 127.0.0.1:$CH_HTTP_PORT"
		return 0
	fi
	log "not running"
	return 1
}

service_main "$@"
