#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/proxyarp-watch.bt and scripts/proxyarp-top.bt, run with
# Debian's bpftrace against real traffic, their output checked.
#
#  lan                 node
# +---------+        +----------------------------------------+
# | vl0     |--------| vlan0 (mode 1)                         |
# +---------+        | up0 (dummy): 10.9.0.0/16, default      |
#                    +----------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" up0 10.9.0.0/16
	ip -n "$node" route add default dev up0
	pa "$node" vlan0 mode 1
}

# attach OUT PATTERN SCRIPT [ARGS]: start SCRIPT, then ask for 10.77.0.1
# (refused: default route) until PATTERN shows in OUT.  Sets $bt_pid.
attach() {
	local out=$1 pattern=$2

	shift 2
	bpftrace "$@" >"$out" 2>&1 &
	bt_pid=$!
	busywait 120000 eval "answer '$lan' vl0 10.0.0.7 10.77.0.1 >/dev/null;
		grep -q '$pattern' '$out' || ! kill -0 $bt_pid 2>/dev/null"
	grep -q "$pattern" "$out"
}

stop() {
	kill -INT "$bt_pid" 2>/dev/null
	wait "$bt_pid" 2>/dev/null
}

test_watch() {
	local out=$TMPDIR/watch line

	if ! attach "$out" "10.77.0.1" "$TOP/scripts/proxyarp-watch.bt"; then
		sed 's/^/# /' "$out"
		log_test 1 "proxyarp-watch.bt attaches"
		stop
		return
	fi
	answer "$lan" vl0 10.0.0.7 10.9.5.5 >/dev/null
	busywait 10000 grep -q '10\.9\.5\.5' "$out"
	stop
	check_match "$(head -n 2 "$out")" \
		"MS +DEV +SENDER +TARGET +VERDICT +REASON +ROUTE" "watch: a header"
	line=$(grep '10\.9\.5\.5' "$out")
	check_match "$line" \
		"^[0-9]+ +vlan0 +10\.0\.0\.7 +10\.9\.5\.5 +reply +proxied +table 254 10\.9\.0\.0/16 via up0$" \
		"watch: a reply, every field"
	line=$(grep '10\.77\.0\.1' "$out" | tail -n 1)
	check_match "$line" \
		"vlan0 +10\.0\.0\.7 +10\.77\.0\.1 +ignore +default_route +table 254 0\.0\.0\.0/0 via up0$" \
		"watch: a refusal, with its reason by name"
}

test_top() {
	local out=$TMPDIR/top n

	if ! attach "$out" "default_route" "$TOP/scripts/proxyarp-top.bt" 1; then
		sed 's/^/# /' "$out"
		log_test 1 "proxyarp-top.bt attaches"
		stop
		return
	fi
	ask "$lan" vl0 10.0.0.7 10.9.6.1 -f <(seq -f '10.9.6.%g' 2 5) >/dev/null
	sleep 2.5
	stop
	n=$(grep -F '@decisions[vlan0, reply, proxied]' "$out" |
	    awk -F': ' '{ s += $2 } END { print s + 0 }')
	check_eq "$n" "5" "top: 5 proxied replies counted on vlan0"
	check_match "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' "$out")" "^[1-9]" \
		"top: a time stamp every interval"
}

require_root
require_cmd ip bpftrace
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_watch
test_top
finish
