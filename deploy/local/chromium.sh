#!/usr/bin/env bash
# Installs what the analyst console's tests need besides the services:
# Debian's chromium (the browser test drives it headless through chromedp)
# and libxml2-utils (xmllint validates goAML reports against the XSD).
# Nothing runs in the background, so `down` has nothing to stop.
#
#   deploy/local/chromium.sh up       install if missing
#   deploy/local/chromium.sh status   installed versions
set -euo pipefail
SERVICE_NAME=chromium
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
up)
	apt_install chromium libxml2-utils
	command -v chromium >/dev/null || die "chromium missing after installing it"
	log "installed: $(chromium --version 2>/dev/null | head -n1); $(xmllint --version 2>&1 | head -n1)"
	;;
down) ;;
status)
	command -v chromium >/dev/null || die "chromium not installed; run $0 up"
	command -v xmllint >/dev/null || die "xmllint not installed; run $0 up"
	log "$(chromium --version 2>/dev/null | head -n1); $(xmllint --version 2>&1 | head -n1)"
	;;
*)
	echo "usage: $0 up|down|status" >&2
	exit 2
	;;
esac
