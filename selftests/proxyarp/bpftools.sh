#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/proxyarp-watch.bt and scripts/proxyarp-top.bt, run with
# Debian's bpftrace against real traffic, their output checked.  They
# run as the package installs them: packaging/sbin/proxyarp-bpftrace
# called as proxyarp-watch and proxyarp-top, the programs without their
# #! line in its directory (debian/rules).
#
#  lan                 node
# +---------+        +----------------------------------------+
# | vl0     |--------| vlan0 (mode 1, proxyndp mode 1)        |
# +---------+        | up0 (dummy): 10.9.0.0/16, default,     |
#                    |              2001:db8:9::/64           |
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
	ipv6 "$node" all forwarding 1
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	ip -n "$node" -6 route add 2001:db8:9::/64 dev up0
	pn "$node" vlan0 mode 1
	# A guest's host routes, announced when vlan0's carrier comes back.
	ip -n "$node" route add 10.9.7.7 dev up0
	ip -n "$node" -6 route add 2001:db8:9::7 dev up0
	pa "$node" vlan0 announce 1
	pn "$node" vlan0 announce 1
}

# claim: the LAN claims 10.9.5.6 and 2001:db8:9::6, which vlan0 answers
# for: a gratuitous ARP and an unsolicited advertisement from vl0.
claim() {
	ip netns exec "$lan" "$ARPQ" -i vl0 -s 10.9.5.6 -w 100 10.9.5.6 >/dev/null
	send_na "$lan" vl0 2001:db8:9::6 "$(mac_of "$lan" vl0)"
}

# attach OUT PATTERN SCRIPT [ARGS]: start SCRIPT, its bpftrace through
# install_tools' shim, wait until every probe is attached, then ask for
# 10.77.0.1 (refused: default route) until PATTERN shows in OUT.  Sets
# $bt_pid.
attach() {
	local out=$1 pattern=$2

	shift 2
	PATH=$TMPDIR/shim:$PATH "$@" >"$out" 2>&1 &
	bt_pid=$!
	bpftrace_attached "$bt_pid" || return 1
	busywait "$BPFTRACE_WAIT_MS" eval "answer '$lan' vl0 10.0.0.7 10.77.0.1 >/dev/null;
		grep -q '$pattern' '$out' || ! kill -0 $bt_pid 2>/dev/null"
	grep -q "$pattern" "$out"
}

stop() {
	bpftrace_stop "$bt_pid"
}

test_watch() {
	local out=$TMPDIR/watch line mac

	if ! attach "$out" "10.77.0.1" "$TMPDIR/sbin/proxyarp-watch"; then
		sed 's/^/# /' "$out"
		log_test 1 "proxyarp-watch.bt attaches"
		stop
		return
	fi
	answer "$lan" vl0 10.0.0.7 10.9.5.5 >/dev/null
	ask6 "$lan" vl0 2001:db8:1::2 2001:db8:9::5 >/dev/null
	busywait 10000 grep -q '10\.9\.5\.5' "$out"
	busywait 10000 grep -q '2001:db8:9::5' "$out"
	# vlan0's carrier goes and comes: the guest's routes are announced.
	ip -n "$lan" link set vl0 down
	ip -n "$lan" link set vl0 up
	busywait 10000 grep -q '2001:db8:9::7 .*announce' "$out"
	claim
	busywait 10000 grep -q '2001:db8:9::6 .*conflict' "$out"
	stop
	check_match "$(head -n 2 "$out")" \
		"MS +DEV +SENDER +TARGET +VERDICT +REASON +ROUTE" "watch: a header"
	line=$(grep '10\.9\.5\.5' "$out")
	check_match "$line" \
		"^[0-9]+ +vlan0 +10\.0\.0\.7 +10\.9\.5\.5 +reply +proxied +table 254 10\.9\.0\.0/16 via up0 proto 3$" \
		"watch: a reply, every field"
	line=$(grep '10\.77\.0\.1' "$out" | tail -n 1)
	check_match "$line" \
		"vlan0 +10\.0\.0\.7 +10\.77\.0\.1 +ignore +default_route +table 254 0\.0\.0\.0/0 via up0 proto 3$" \
		"watch: a refusal, with its reason by name"
	line=$(grep '2001:db8:9::5' "$out")
	check_match "$line" \
		"^[0-9]+ +vlan0 +2001:db8:1::2 +2001:db8:9::5 +reply +proxied +table 254 2001:db8:9::/64 via up0 proto 3$" \
		"watch: a neighbour solicitation answered, every field"
	check_match "$(grep '10\.9\.7\.7' "$out")" \
		"^[0-9]+ +vlan0 +- +10\.9\.7\.7 +announce +up +count 1 mode on$" \
		"watch: an announcement, every field"
	check_match "$(grep '2001:db8:9::7' "$out")" \
		"^[0-9]+ +vlan0 +- +2001:db8:9::7 +announce +up +count 1 mode on$" \
		"watch: an IPv6 announcement, every field"
	# bpftrace's macaddr() prints upper case.
	mac=$(mac_of "$lan" vl0)
	check_match "$(grep '10\.9\.5\.6 .*conflict' "$out")" \
		"^[0-9]+ +vlan0 +${mac^^} +10\.9\.5\.6 +conflict$" \
		"watch: a conflict, with the claimant's MAC"
	check_match "$(grep '2001:db8:9::6 .*conflict' "$out")" \
		"^[0-9]+ +vlan0 +${mac^^} +2001:db8:9::6 +conflict$" \
		"watch: an IPv6 conflict, with the claimant's MAC"
}

# top_sum MAP OUT: MAP's proxied replies on vlan0, summed over OUT.
top_sum() {
	grep -F "@$1[vlan0, reply, proxied]" "$2" | awk -F': ' '{ s += $2 } END { print s + 0 }'
}

# top_counted OUT ARP NDP: OUT has printed ARP and NDP replies or more.
# shellcheck disable=SC2317 # called through busywait
top_counted() {
	[ "$(top_sum decisions "$1")" -ge "$2" ] && [ "$(top_sum ndp "$1")" -ge "$3" ]
}

test_top() {
	local out=$TMPDIR/top n

	if ! attach "$out" "default_route" "$TMPDIR/sbin/proxyarp-top" 1; then
		sed 's/^/# /' "$out"
		log_test 1 "proxyarp-top.bt attaches"
		stop
		return
	fi
	ask "$lan" vl0 10.0.0.7 10.9.6.1 -f <(seq -f '10.9.6.%g' 2 5) >/dev/null
	ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 2001:db8:9::1 2001:db8:9::2 \
		2001:db8:9::3 >/dev/null
	# Stopped once the intervals have printed them: a stop in the very
	# instant of a tick printed that interval twice (END's print went
	# before the tick's clear, from another CPU's buffer).
	busywait 20000 top_counted "$out" 5 3
	stop
	n=$(top_sum decisions "$out")
	check_eq "$n" "5" "top: 5 proxied replies counted on vlan0"
	n=$(top_sum ndp "$out")
	[ "$n" = 3 ] || sed 's/^/# /' "$out"
	check_eq "$n" "3" "top: 3 proxied advertisements counted on vlan0"
	check_match "$(grep -c '^[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$' "$out")" "^[1-9]" \
		"top: a time stamp every interval"
}

# The package's layout (debian/rules): the wrapper under both names,
# the programs, without #!, where it looks for them.
install_tools() {
	local t

	mkdir -p "$TMPDIR/sbin" "$TMPDIR/share" "$TMPDIR/shim"
	# The wrapper execs the bpftrace it finds first: this one adds -c,
	# which bpftrace_attached waits for.
	printf '#!/bin/sh\nexec %s -c "%s" "$@"\n' "$(command -v bpftrace)" \
		"$BPFTRACE_READY" >"$TMPDIR/shim/bpftrace"
	chmod +x "$TMPDIR/shim/bpftrace"
	cp "$TOP/packaging/sbin/proxyarp-bpftrace" "$TMPDIR/sbin/proxyarp-watch"
	ln -s proxyarp-watch "$TMPDIR/sbin/proxyarp-top"
	for t in proxyarp-watch proxyarp-top; do
		sed '1{/^#!/d}' "$TOP/scripts/$t.bt" >"$TMPDIR/share/$t.bt"
	done
	export PROXYARP_BT_DIR=$TMPDIR/share
}

test_wrapper() {
	local out rc

	out=$(PATH=/nonexistent "$TMPDIR/sbin/proxyarp-top" 2>&1)
	rc=$?
	check_eq "$rc: $out" "1: proxyarp-top: bpftrace is not installed (apt install bpftrace)" \
		"without bpftrace the tool says so and exits 1"
	check_eq "$(head -c 2 "$TMPDIR/share/proxyarp-watch.bt")" "//" \
		"the installed program has no #! line"
}

require_root
require_cmd ip bpftrace python3
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"
install_tools

test_wrapper
test_watch
test_top
finish
